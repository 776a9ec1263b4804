"""Looks (production requests in the public API): creation, changes, the board's reads and their
filters, the status roll-ups kept from shot events, and the calls to the shots service that create
and delete a look's shots."""
