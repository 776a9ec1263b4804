"""The kanban filters of E9/E10 (RULES R79-R88, A32, A33) and the pure parts of the look reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from platformkit.errors import Invalid
from services.shootings.looks.filters import parse_look_filter
from services.shootings.looks.query_handlers import status_breakdown
from services.shootings.looks.query_repository import named_entry_ids
from services.shootings.shared.statuses import SHOT_STATUSES


def locs(exc: pytest.ExceptionInfo[Invalid]) -> list[tuple[str, ...]]:
    return [v.loc for v in exc.value.violations]


def test_no_parameter_filters_nothing():
    parsed = parse_look_filter()
    assert not parsed.statuses.active and not parsed.status_keys and not parsed.product_ids
    assert not parsed.filters_assignees and not parsed.filters_product_entry
    assert (parsed.created_from, parsed.created_until, parsed.created_before) == (None, None, None)


def test_r79_r80_shot_statuses_take_computed_values_and_without_status():
    parsed = parse_look_filter(shot_statuses=["DRAFT", "READY", "REVIEW", "WITHOUT_STATUS"])
    assert parsed.statuses.statuses == {"DRAFT", "READY", "REVIEW"} and parsed.statuses.without_status
    only_without = parse_look_filter(shot_statuses=["WITHOUT_STATUS"])
    assert only_without.statuses.active and not only_without.statuses.statuses


def test_r79_an_unknown_shot_status_is_a_422_at_the_parameter():
    with pytest.raises(Invalid) as exc:
        parse_look_filter(shot_statuses=["PENDING", "SHIPPED"])
    assert locs(exc) == [("filters", "shot_statuses")] and "SHIPPED" in exc.value.violations[0].msg


def test_r81_status_keys_must_be_statuses_of_the_shooting_type():
    parsed = parse_look_filter(status_keys=["REVIEW", "APPROVED"], type_status_keys=SHOT_STATUSES)
    assert parsed.status_keys == {"REVIEW", "APPROVED"}
    with pytest.raises(Invalid) as exc:
        parse_look_filter(status_keys=["REVIEW", "DRAFT", "NOPE"], type_status_keys=SHOT_STATUSES)
    assert locs(exc) == [("filters", "status_keys")]
    assert "DRAFT, NOPE" in exc.value.violations[0].msg  # readiness values are not status keys


def test_r82_r86_ids_are_uuids_located_at_their_index():
    product = uuid.uuid4()
    assert parse_look_filter(product_ids=[str(product), str(product)]).product_ids == {product}
    with pytest.raises(Invalid) as exc:
        parse_look_filter(assignee_ids=[str(uuid.uuid4()), "nope"])
    assert locs(exc) == [("filters", "assignee_ids", 1)]


@pytest.mark.parametrize(
    ("ids", "include_unassigned", "applies"),
    [([], False, False), ([], True, True), (["x"], False, True), (["x"], True, True)],
)
def test_a32_the_assignee_condition_applies_only_when_asked(ids, include_unassigned, applies):
    assignee_ids = [str(uuid.uuid4()) for _ in ids]
    parsed = parse_look_filter(assignee_ids=assignee_ids, include_unassigned=include_unassigned)
    assert parsed.filters_assignees is applies
    assert parsed.include_unassigned is include_unassigned and len(parsed.assignee_ids) == len(ids)


def test_r83_r84_r85_empty_texts_filter_nothing_and_others_read_the_product():
    assert not parse_look_filter(product_name="", product_sku="", product_type="").filters_product_entry
    parsed = parse_look_filter(product_sku="ab_%")
    assert parsed.filters_product_entry and parsed.product_sku == "ab_%"  # escaped in SQL, not here


def test_r88_a_date_means_the_whole_utc_day():
    parsed = parse_look_filter(created_from="2026-03-01", created_to="2026-03-01")
    assert parsed.created_from == datetime(2026, 3, 1, tzinfo=UTC)
    assert parsed.created_until is None
    assert parsed.created_before == datetime(2026, 3, 2, tzinfo=UTC)  # exclusive: the day is inclusive


def test_r88_a_date_time_is_exact_to_the_microsecond_and_naive_means_utc():
    parsed = parse_look_filter(created_from="2026-03-01T10:15:30.123456Z", created_to="2026-03-01T10:15:30.123456")
    moment = datetime(2026, 3, 1, 10, 15, 30, 123456, tzinfo=UTC)
    assert parsed.created_from == moment and parsed.created_until == moment and parsed.created_before is None
    offset = parse_look_filter(created_from="2026-03-01T12:15:30.123456+02:00").created_from
    assert offset == moment and offset.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)


@pytest.mark.parametrize("name", ["created_from", "created_to"])
@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "2026-02-30T10:00:00"])
def test_r88_a_bad_bound_is_a_422_at_its_parameter(name, raw):
    with pytest.raises(Invalid) as exc:
        parse_look_filter(**{name: raw})
    assert locs(exc) == [("filters", name)]


def test_r34_breakdown_lists_present_statuses_in_roll_up_order():
    breakdown = status_breakdown({"APPROVED": 2, "DRAFT": 1, "PENDING": 4, "CUSTOM": 1})
    assert [(s.status, s.count) for s in breakdown] == [("DRAFT", 1), ("PENDING", 4), ("APPROVED", 2), ("CUSTOM", 1)]
    assert status_breakdown({}) == []


def test_named_entries_each_once_and_only_what_the_shape_shows():
    product, subject, design, pose, front, back = (uuid.uuid4() for _ in range(6))
    look = SimpleNamespace(
        product_id=product,
        subject_id=subject,
        set_design_id=design,
        pose_preset_ids=[pose],
        shot_type_ids=[front, back],
    )
    twin = SimpleNamespace(
        product_id=product, subject_id=None, set_design_id=None, pose_preset_ids=[], shot_type_ids=[front]
    )
    assert named_entry_ids([look, twin], summary=True) == [product, front, back]  # type: ignore[list-item]
    full = named_entry_ids([look, twin], summary=False)  # type: ignore[list-item]
    assert sorted(full) == sorted([product, front, back, subject, design, pose]) and len(full) == len(set(full))
