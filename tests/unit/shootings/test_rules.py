"""Status filters (R32-R33), soft delete and restore (R44-R46), updates (R25, R39, R41), guidelines (R22, R28)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from platformkit.errors import Conflict, Invalid
from services.shootings.guidelines import rules as guidelines
from services.shootings.guidelines.rules import GuidelinesDraft, RuleGroupDraft
from services.shootings.shared import lifecycle
from services.shootings.shared.statuses import parse_status_filter
from services.shootings.shootings import rules as shootings


def test_r32_status_filter_accepts_shot_statuses_readiness_and_without_status():
    parsed = parse_status_filter(["APPROVED", "DRAFT", "WITHOUT_STATUS"])
    assert parsed.statuses == {"APPROVED", "DRAFT"}
    assert parsed.without_status


def test_r32_unknown_status_is_rejected():
    with pytest.raises(Invalid) as caught:
        parse_status_filter(["DONE"])
    assert caught.value.violations[0].loc == ("statuses",)


def test_r33_without_status_alone_is_an_active_filter():
    parsed = parse_status_filter(["WITHOUT_STATUS"])
    assert parsed.active and not parsed.statuses


def test_r45_r46_restore_revives_only_descendants_deleted_with_the_parent():
    parent = datetime(2026, 1, 1, tzinfo=UTC)
    assert lifecycle.revived_with_parent(parent, parent)
    assert lifecycle.revived_with_parent(parent + timedelta(seconds=1), parent)
    assert not lifecycle.revived_with_parent(parent - timedelta(seconds=1), parent)
    assert not lifecycle.revived_with_parent(None, parent)


def test_restoring_a_live_shooting_is_a_conflict():
    with pytest.raises(Conflict):
        lifecycle.ensure_deleted(None, "Shooting")


def test_r25_r41_phase_and_require_test_shooting_are_not_updatable():
    problems = shootings.update_violations(["phase", "require_test_shooting", "name"], [])
    assert {p.loc[1] for p in problems} == {"phase", "require_test_shooting"}


def test_r39_name_and_archived_cannot_be_nulled_but_description_can():
    problems = shootings.update_violations(["name", "archived", "description"], ["name", "archived", "description"])
    assert {p.loc[1] for p in problems} == {"name", "archived"}


def test_r22_inline_template_and_template_id_are_exclusive():
    with pytest.raises(Invalid):
        guidelines.ensure_exclusive_template_choice(has_inline=True, has_id=True)
    guidelines.ensure_exclusive_template_choice(has_inline=True, has_id=False)


def test_r28_rule_groups_reference_shot_types_too():
    shot_type = uuid.uuid4()
    draft = GuidelinesDraft(name="g", shot_type_rules=[RuleGroupDraft("gender", "FEMALE", [shot_type])])
    assert draft.referenced_ids() == {"shot_type": {shot_type}}


def test_unresolved_references_are_422_at_their_field():
    subject, set_design = uuid.uuid4(), uuid.uuid4()
    draft = GuidelinesDraft(name="g", references={"subject_ids": [subject], "set_design_id": set_design})
    with pytest.raises(Invalid) as caught:
        guidelines.ensure_valid(draft, {"subject": {subject}, "set_design": {set_design}}, ("default_guidelines",))
    locs = {v.loc for v in caught.value.violations}
    assert locs == {("default_guidelines", "subject_ids"), ("default_guidelines", "set_design_id")}


def test_blank_guidelines_name_is_invalid():
    with pytest.raises(Invalid):
        guidelines.ensure_valid(GuidelinesDraft(name="  "), {}, ("default_guidelines",))
