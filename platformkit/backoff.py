"""Capped exponential backoff with jitter, for loops that retry forever.

tenacity's ``AsyncRetrying`` fits one call retried until success; the outbox relay and the
consumers are long-running loops whose failures come and go (a broker outage, a database
restart), so they keep one :class:`Backoff` per loop: each failure lengthens the next pause up
to a cap, and the first success resets it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays of ``initial * factor**n`` seconds, capped at ``cap``, with up to 50 % jitter.

    Jitter keeps several replicas that failed together from retrying in lockstep.
    """

    initial: float = 0.1
    cap: float = 5.0
    factor: float = 2.0
    failures: int = field(default=0, init=False)

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before the next attempt."""
        ceiling = min(self.cap, self.initial * self.factor**self.failures)
        self.failures += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """The operation succeeded: the next failure starts again from ``initial``."""
        self.failures = 0
