"""A port-less worker that also starts a grandchild, to prove group teardown takes it along."""

from __future__ import annotations

import time

from tests.integration.devstack.fakes.common import announce, spawn_grandchild

if __name__ == "__main__":
    spawn_grandchild()
    announce("worker")
    while True:
        time.sleep(1)
