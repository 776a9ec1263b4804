"""The phases a shooting may be created in, and what each needs (R17-R20, R24 with A16)."""

import pytest

from platformkit.errors import Invalid
from services.shootings.shootings.phases import (
    DEFAULT_CREATION_PHASE,
    Phase,
    creates_main_production,
    creation_violations,
    ensure_valid_creation,
)


def test_r17_default_creation_phase_is_production():
    assert DEFAULT_CREATION_PHASE is Phase.PRODUCTION


@pytest.mark.parametrize("phase", [Phase.BRIEF, Phase.PRODUCTION])
def test_r18_brief_and_production_are_valid_at_creation(phase):
    assert creation_violations(phase, require_test_shooting=False) == []


@pytest.mark.parametrize("phase", [Phase.TEST_SHOOTING, Phase.PRODUCTS_SELECTION, Phase.AGREEMENT, Phase.CLOSED])
def test_r18_other_phases_are_rejected_at_creation(phase):
    with pytest.raises(Invalid) as caught:
        ensure_valid_creation(phase, require_test_shooting=False)
    assert caught.value.violations[0].loc == ("phase",)


def test_r19_r20_only_production_creates_main_eagerly():
    assert creates_main_production(Phase.PRODUCTION)
    assert not creates_main_production(Phase.BRIEF)


def test_r24_a16_require_test_shooting_with_effective_production_is_rejected():
    problems = creation_violations(DEFAULT_CREATION_PHASE, require_test_shooting=True)
    assert [p.loc for p in problems] == [("require_test_shooting",)]


def test_r24_require_test_shooting_with_brief_is_accepted():
    assert creation_violations(Phase.BRIEF, require_test_shooting=True) == []
