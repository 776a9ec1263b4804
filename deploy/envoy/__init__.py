"""The edge Envoy: typed configuration (:mod:`deploy.envoy.edge`) and its generated YAML."""
