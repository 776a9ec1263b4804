"""Startup's objects leave the collector's reach (platformkit.heap); what comes later does not."""

from __future__ import annotations

import gc

from platformkit import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_startup_objects_are_frozen_and_later_garbage_is_still_collected():
    gc.unfreeze()
    try:
        heap.freeze_startup_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the interpreter's and the imported modules' objects, at least
        later = Node()
        del later
        assert gc.collect() >= 1  # the cycle made after the freeze is found and freed
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
