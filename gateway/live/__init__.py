"""The live stream: ``WS /api/v1/ws`` pushes shot and generation events to REST clients.

Pieces, each its own module: :mod:`~gateway.live.feed` reads ``shots.events`` for this process;
:mod:`~gateway.live.hub` fans each event out to this process's subscribers of its shooting and
keeps the :mod:`~gateway.live.buffer` for reconnects; :mod:`~gateway.live.connection` runs one
socket (auth via :mod:`~gateway.live.auth`, subscriptions, its send queue, close codes);
:mod:`~gateway.live.events` turns a record into the message of :mod:`gateway.schemas.live`.
Every gateway process reads every event, so any gateway behind Envoy serves any client: no
sticky sessions. README "Live updates" has the contract and the numbers.
"""
