"""A worker that ignores SIGTERM: only the supervisor's SIGKILL after the grace period stops it."""

from __future__ import annotations

import signal
import time

from tests.integration.devstack.fakes.common import announce

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    announce("stubborn worker")
    while True:
        time.sleep(1)
