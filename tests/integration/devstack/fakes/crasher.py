"""A process that dies at start with a traceback, like a service with a broken import."""

from __future__ import annotations

from tests.integration.devstack.fakes.common import announce

if __name__ == "__main__":
    announce("crasher")
    raise RuntimeError("boom: the fake crashed on purpose")
