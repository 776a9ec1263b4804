"""``Idempotency-Key`` on every ``POST`` and ``PATCH`` of ``/api/v1`` (README "Reliability").

- :mod:`.keys`: what a valid key is and what makes two requests "the same" (pure).
- :mod:`.store`: claiming a key, storing the answer, releasing it, pruning expired keys.
- :mod:`.middleware`: the ASGI layer that puts them around every request that carries a key.
"""
