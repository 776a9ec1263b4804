"""Productions and phase moves (RULES R47-R61, A18, A21): pure rules, no I/O.

A shooting has at most one live MAIN production and any number of TEST runs. MAIN is where the
real work happens, so creating it is guarded (uniqueness, ``require_test_shooting``) whichever
way it is asked for: ``POST .../productions`` with kind MAIN, or a phase move to PRODUCTION.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from platformkit.errors import Conflict
from platformkit.protoconv import enum_names, value_enum
from protos.shootings.v1 import productions_pb2
from services.shootings.shootings.phases import Phase

# MAIN and TEST, as the contract names them.
ProductionKind = value_enum("ProductionKind", enum_names(productions_pb2.ProductionKind))


def ensure_main_allowed(live_kinds: Collection[ProductionKind], require_test_shooting: bool) -> None:
    """R55 then R54: one live MAIN at most, and a live TEST run first when the shooting asks for it."""
    if ProductionKind.MAIN in live_kinds:
        raise Conflict("The shooting already has a MAIN production")
    if require_test_shooting and ProductionKind.TEST not in live_kinds:
        raise Conflict("The shooting requires a TEST production before its MAIN production can be created")


def ensure_can_create(
    kind: ProductionKind, live_kinds: Collection[ProductionKind], require_test_shooting: bool
) -> None:
    """R57: TEST runs are unlimited; MAIN is guarded."""
    if kind is ProductionKind.MAIN:
        ensure_main_allowed(live_kinds, require_test_shooting)


def main_moves_shooting_to_production(current_phase: Phase | None) -> bool:
    """R56: creating MAIN puts the shooting in PRODUCTION, recording a history row only when it moves."""
    return current_phase is not Phase.PRODUCTION


@dataclass(frozen=True)
class PhaseMove:
    """What a phase request does: append a history row, and whether MAIN is created with it."""

    records_change: bool
    creates_main: bool


def plan_phase_move(
    current: Phase | None, target: Phase, live_kinds: Collection[ProductionKind], require_test_shooting: bool
) -> PhaseMove:
    """R47-R50 with A18.

    Asking for the current phase changes nothing, not even a missing MAIN (R48: "nothing
    happens"); a deleted MAIN comes back through ``POST .../productions``. Any other move is
    allowed (R49) and recorded; entering PRODUCTION without a live MAIN creates it under the MAIN
    guards, which are the only reason to refuse a move (R50). Leaving PRODUCTION touches no
    production (A18).
    """
    if current == target:
        return PhaseMove(records_change=False, creates_main=False)
    creates_main = target is Phase.PRODUCTION and ProductionKind.MAIN not in live_kinds
    if creates_main:
        ensure_main_allowed(live_kinds, require_test_shooting)
    return PhaseMove(records_change=True, creates_main=creates_main)
