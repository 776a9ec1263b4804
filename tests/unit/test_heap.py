"""Startup's objects leave the collector's reach (platformkit.heap); what comes later does not."""

from __future__ import annotations

import gc
import weakref

from platformkit import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_startup_objects_are_frozen_and_later_garbage_is_still_collected():
    gc.unfreeze()
    try:
        heap.freeze_startup_objects()
        assert gc.get_freeze_count() > 1000  # the interpreter's and the imported modules' objects
        later = Node()
        alive = weakref.ref(later)
        del later
        assert alive() is not None  # a cycle: only a collection frees it
        gc.collect()
        assert alive() is None  # made after the freeze, so the collector still sees it
    finally:
        gc.unfreeze()
