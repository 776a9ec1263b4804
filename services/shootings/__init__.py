"""The shootings context, one package per concern: the shooting itself (``shootings``), guidelines
templates and snapshots (``guidelines``), productions and phase moves (``productions``), the
reference catalog (``catalog``), a shooting's product sets (``product_sets``) and looks with their
status roll-ups (``looks``); ``shared`` holds the pure rules several of them use."""
