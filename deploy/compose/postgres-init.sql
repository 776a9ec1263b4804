-- One database per component (devstack.processes.DATABASES), created on the first start.
CREATE DATABASE platform_gateway;
CREATE DATABASE platform_shootings;
CREATE DATABASE platform_shots;
CREATE DATABASE platform_outfits;
CREATE DATABASE platform_exports;
