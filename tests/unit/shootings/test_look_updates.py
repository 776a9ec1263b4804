"""Rules of a look update (RULES 2.8: R96-R102, A13, A36; R64 kept after an update)."""

import uuid

import pytest

from platformkit.errors import Invalid
from services.shootings.looks import rules as looks
from services.shootings.looks import update_rules as look_updates

PRESET, TEMPLATE = uuid.uuid4(), uuid.uuid4()


def locs(caught: pytest.ExceptionInfo[Invalid]) -> list[tuple[str, ...]]:
    return [v.loc for v in caught.value.violations]


def test_r96_only_production_request_update_fields():
    with pytest.raises(Invalid) as caught:
        look_updates.ensure_valid_paths(["style_id", "status", "deleted_at"], [])
    assert locs(caught) == [("status",), ("deleted_at",)]
    look_updates.ensure_valid_paths(sorted(looks.UPDATABLE_FIELDS), [])


def test_a13_r100_null_is_a_value_except_for_what_a_look_always_has():
    look_updates.ensure_valid_paths(
        ["use_subject_mannequin_double", "assignee_id", "style_id"],
        ["use_subject_mannequin_double", "assignee_id", "style_id"],
    )
    with pytest.raises(Invalid) as caught:
        look_updates.ensure_valid_paths(["readiness", "shot_type_ids"], ["readiness", "shot_type_ids"])
    assert locs(caught) == [("readiness",), ("shot_type_ids",)]


@pytest.mark.parametrize(
    ("paths", "values", "cleared"),
    [
        (["resolution_preset_id"], {"resolution_preset_id": PRESET}, {"width": None, "height": None}),
        (["width"], {"width": 800}, {"resolution_preset_id": None}),
        (["height"], {"height": 600}, {"resolution_preset_id": None}),
        (["resolution_preset_id"], {"resolution_preset_id": None}, {}),  # clearing one clears nothing else
        (["width", "height"], {"width": None, "height": None}, {}),
    ],
)
def test_r97_setting_a_preset_or_a_size_clears_the_other(paths, values, cleared):
    assert looks.resolution_clearing(paths, values) == cleared


def test_r97_sending_both_a_preset_and_a_size_is_contradictory():
    with pytest.raises(Invalid) as caught:
        look_updates.ensure_one_resolution_choice({"resolution_preset_id": PRESET, "width": 800})
    assert locs(caught) == [("resolution_preset_id",)]
    look_updates.ensure_one_resolution_choice({"resolution_preset_id": PRESET, "width": None})


@pytest.mark.parametrize(
    ("requested", "stored", "field"),
    [
        (
            {"use_subject_mannequin_double": True},
            {"generative_workflow_template_id": TEMPLATE},
            "use_subject_mannequin_double",
        ),
        (
            {"generative_workflow_template_id": TEMPLATE},
            {"use_subject_mannequin_double": True},
            "generative_workflow_template_id",
        ),
        (
            {"use_subject_mannequin_double": True, "generative_workflow_template_id": TEMPLATE},
            {},
            "use_subject_mannequin_double",
        ),
    ],
)
def test_r99_template_and_forced_mannequin_exclude_each_other_on_the_look_as_it_will_be(requested, stored, field):
    with pytest.raises(Invalid) as caught:
        look_updates.ensure_mannequin_exclusive(requested, stored)
    assert locs(caught) == [(field,)]


@pytest.mark.parametrize(
    ("requested", "stored"),
    [
        (
            {"use_subject_mannequin_double": True, "generative_workflow_template_id": None},
            {"generative_workflow_template_id": TEMPLATE},
        ),
        ({"generative_workflow_template_id": TEMPLATE}, {"use_subject_mannequin_double": None}),  # AUTO
        ({"generative_workflow_template_id": TEMPLATE}, {"use_subject_mannequin_double": False}),  # OFF
        (
            {"use_subject_mannequin_double": None},
            {"use_subject_mannequin_double": True, "generative_workflow_template_id": TEMPLATE},
        ),
    ],
)
def test_r99_r100_clearing_one_side_in_the_same_request_is_allowed(requested, stored):
    look_updates.ensure_mannequin_exclusive(requested, stored)


def test_the_outfit_is_chosen_elsewhere_so_only_the_current_one_may_be_sent_back():
    outfit = uuid.uuid4()
    look_updates.ensure_outfit_kept({"outfit_id": outfit}, {"outfit_id": outfit})
    look_updates.ensure_outfit_kept({"outfit_id": None}, {"outfit_id": None})
    look_updates.ensure_outfit_kept({"style_id": None}, {"outfit_id": outfit})
    for requested, stored in (
        ({"outfit_id": None}, outfit),
        ({"outfit_id": uuid.uuid4()}, outfit),
        ({"outfit_id": outfit}, None),
    ):
        with pytest.raises(Invalid) as caught:
            look_updates.ensure_outfit_kept(requested, {"outfit_id": stored})
        assert locs(caught) == [("outfit_id",)]


@pytest.mark.parametrize(
    ("product", "subject", "ok"),
    [("FEMALE", "FEMALE", True), ("FEMALE", "MALE", False), ("MALE", "OTHER", False), ("UNISEX", "OTHER", True)],
)
def test_r64_a_new_subject_or_product_keeps_the_pair_gender_compatible(product, subject, ok):
    if ok:
        look_updates.ensure_pair_compatible(product, subject, ["subject_id"])
        return
    with pytest.raises(Invalid) as caught:
        look_updates.ensure_pair_compatible(product, subject, ["product_id"])
    assert locs(caught) == [("product_id",)]


def test_a36_added_and_removed_shot_types_keep_the_request_order():
    front, back, detail, side = (uuid.uuid4() for _ in range(4))
    added, removed = looks.shot_type_changes([front, back, side], [detail, back, detail])
    assert added == [detail] and removed == [front, side]


def test_only_values_that_differ_are_written_and_announced():
    stored = {"style_id": None, "width": 800, "use_subject_mannequin_double": False}
    requested = {"style_id": None, "width": 640, "use_subject_mannequin_double": None}
    assert look_updates.changed_values(requested, stored) == {"width": 640, "use_subject_mannequin_double": None}
