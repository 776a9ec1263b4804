"""Shooting phases (RULES 2.2, 2.4): which are valid at creation and what they imply."""

from __future__ import annotations

from platformkit.errors import Invalid, Violation
from platformkit.protoconv import enum_names, value_enum
from protos.shootings.v1 import shootings_pb2

# The phases in their order, as the contract names them.
Phase = value_enum("Phase", enum_names(shootings_pb2.ShootingPhase))


# R17-R18: PRODUCTION is the default; only BRIEF and PRODUCTION are valid at creation.
DEFAULT_CREATION_PHASE = Phase.PRODUCTION
CREATION_PHASES = frozenset({Phase.BRIEF, Phase.PRODUCTION})


def creation_violations(phase: Phase, require_test_shooting: bool) -> list[Violation]:
    """Problems with the initial phase of a new shooting (R18, R24 with A16)."""
    problems: list[Violation] = []
    if phase not in CREATION_PHASES:
        problems.append(
            Violation(
                ("phase",),
                f"Only BRIEF and PRODUCTION are valid at creation; {phase.value} is reachable through "
                "PATCH /shootings/{id}/phase",
            )
        )
    # A16: the effective phase counts, so an omitted phase (PRODUCTION) is rejected too.
    if require_test_shooting and phase == Phase.PRODUCTION:
        problems.append(
            Violation(
                ("require_test_shooting",),
                "require_test_shooting=true cannot start in PRODUCTION: a TEST production must exist before "
                "MAIN; create the shooting with phase BRIEF",
            )
        )
    return problems


def ensure_valid_creation(phase: Phase, require_test_shooting: bool) -> None:
    problems = creation_violations(phase, require_test_shooting)
    if problems:
        raise Invalid(problems)


def creates_main_production(phase: Phase) -> bool:
    """R19-R20: a shooting created in PRODUCTION gets its MAIN production eagerly; BRIEF gets none."""
    return phase == Phase.PRODUCTION
