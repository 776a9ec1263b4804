"""Productions and phase moves as pure rules: R47-R50, R54-R57, A18."""

import pytest

from platformkit.errors import Conflict
from services.shootings.productions.rules import (
    PhaseMove,
    ProductionKind,
    ensure_can_create,
    ensure_main_allowed,
    main_moves_shooting_to_production,
    plan_phase_move,
)
from services.shootings.shootings.phases import Phase

MAIN, TEST = ProductionKind.MAIN, ProductionKind.TEST
NOTHING = PhaseMove(records_change=False, creates_main=False)


def test_r55_a_second_live_main_is_a_conflict():
    with pytest.raises(Conflict, match="already has a MAIN"):
        ensure_main_allowed({MAIN}, require_test_shooting=False)


def test_r54_require_test_shooting_needs_a_live_test_before_main():
    with pytest.raises(Conflict, match="requires a TEST"):
        ensure_main_allowed(set(), require_test_shooting=True)
    ensure_main_allowed({TEST}, require_test_shooting=True)


def test_r55_uniqueness_is_checked_even_when_a_test_run_exists():
    with pytest.raises(Conflict, match="already has a MAIN"):
        ensure_main_allowed({MAIN, TEST}, require_test_shooting=True)


def test_r54_without_the_flag_main_needs_no_test_run():
    ensure_main_allowed(set(), require_test_shooting=False)


@pytest.mark.parametrize("live", [set(), {TEST}, {MAIN}, {MAIN, TEST}])
def test_r57_test_runs_are_unlimited_and_never_guarded(live):
    ensure_can_create(TEST, live, require_test_shooting=True)


def test_r54_r55_creating_main_applies_the_guards():
    with pytest.raises(Conflict):
        ensure_can_create(MAIN, {MAIN}, require_test_shooting=False)
    with pytest.raises(Conflict):
        ensure_can_create(MAIN, set(), require_test_shooting=True)


@pytest.mark.parametrize("phase", [None, *(p for p in Phase if p is not Phase.PRODUCTION)])
def test_r56_main_moves_the_shooting_to_production(phase):
    assert main_moves_shooting_to_production(phase)


def test_r56_main_records_no_move_when_already_in_production():
    assert not main_moves_shooting_to_production(Phase.PRODUCTION)


@pytest.mark.parametrize("phase", list(Phase))
def test_r48_asking_for_the_current_phase_changes_nothing(phase):
    assert plan_phase_move(phase, phase, set(), require_test_shooting=True) == NOTHING


def test_r48_a18_unchanged_production_does_not_recreate_a_deleted_main():
    assert plan_phase_move(Phase.PRODUCTION, Phase.PRODUCTION, set(), require_test_shooting=False) == NOTHING


MOVES_NOT_INTO_PRODUCTION = [(a, b) for a in Phase for b in Phase if a != b and b is not Phase.PRODUCTION]


@pytest.mark.parametrize(("current", "target"), MOVES_NOT_INTO_PRODUCTION)
def test_r47_r49_any_other_move_is_recorded_and_creates_nothing(current, target):
    assert plan_phase_move(current, target, set(), require_test_shooting=True) == PhaseMove(True, False)


def test_r49_closed_can_go_back_to_brief():
    assert plan_phase_move(Phase.CLOSED, Phase.BRIEF, {MAIN}, require_test_shooting=False).records_change


def test_r50_a18_entering_production_without_main_creates_it():
    assert plan_phase_move(Phase.BRIEF, Phase.PRODUCTION, set(), require_test_shooting=False) == PhaseMove(True, True)


def test_a18_entering_production_with_a_live_main_only_records_the_move():
    move = plan_phase_move(Phase.CLOSED, Phase.PRODUCTION, {MAIN}, require_test_shooting=True)
    assert move == PhaseMove(True, False)


def test_r50_entering_production_is_refused_when_main_would_break_require_test_shooting():
    with pytest.raises(Conflict, match="requires a TEST"):
        plan_phase_move(Phase.BRIEF, Phase.PRODUCTION, set(), require_test_shooting=True)
    assert plan_phase_move(Phase.BRIEF, Phase.PRODUCTION, {TEST}, require_test_shooting=True).creates_main


def test_a48_a_shooting_without_phase_can_enter_one():
    assert plan_phase_move(None, Phase.BRIEF, set(), require_test_shooting=False) == PhaseMove(True, False)
