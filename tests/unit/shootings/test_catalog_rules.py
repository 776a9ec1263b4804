"""Catalog entry rules without I/O: field checks per kind, references, what the service adds
before storing, visibility and edit rights, product sets (R27, A57; D0.23)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from platformkit.errors import Invalid, NotFound, PermissionDenied
from services.shootings.catalog import rules as catalog
from services.shootings.catalog.kinds import KINDS
from services.shootings.product_sets import rules as product_sets
from services.shootings.shared.access import Caller

OWNER, MEMBER, STRANGER, ADMIN = (uuid.uuid4() for _ in range(4))
ORG = uuid.uuid4()
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Entry:
    owner_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    public: bool = False


def caller(user: uuid.UUID, orgs=(), admin: bool = False) -> Caller:
    return Caller(user, admin, frozenset(orgs))


def locs(exc: pytest.ExceptionInfo[Invalid]) -> set[tuple[str, ...]]:
    return {v.loc for v in exc.value.violations}


def test_create_fills_defaults_and_reports_every_problem_at_its_field():
    values = catalog.validate_create(KINDS["product"], {"name": "Coat"})
    assert values["gender"] == "UNISEX" and values["enabled"] is True and values["reference_images"] == []
    assert set(values) == set(KINDS["product"].fields)
    with pytest.raises(Invalid) as caught:
        catalog.validate_create(KINDS["product"], {"gender": "OTHER", "sku": " ", "colour": "x" * 256, "price": 3})
    assert locs(caught) == {
        ("fields", "name"),
        ("fields", "gender"),
        ("fields", "sku"),
        ("fields", "colour"),
        ("fields", "price"),
    }


def test_struct_numbers_are_accepted_when_whole():
    values = catalog.validate_create(KINDS["resolution_preset"], {"name": "HD", "width": 1920.0, "height": 1080.0})
    assert (values["width"], values["height"]) == (1920, 1080)
    with pytest.raises(Invalid) as caught:
        catalog.validate_create(KINDS["resolution_preset"], {"name": "HD", "width": 0, "height": 10.5})
    assert locs(caught) == {("fields", "width"), ("fields", "height")}


def test_patch_checks_only_its_keys_and_refuses_null_where_the_field_cannot_be_empty():
    assert catalog.validate_patch(KINDS["subject"], {"surname": None}) == {"surname": None}
    with pytest.raises(Invalid) as caught:
        catalog.validate_patch(KINDS["subject"], {"name": None, "gender": None, "base_images": None})
    assert locs(caught) == {("patch", "name"), ("patch", "gender"), ("patch", "base_images")}


def test_nested_items_are_checked_with_their_index_in_the_loc():
    with pytest.raises(Invalid) as caught:
        catalog.validate_create(
            KINDS["subject"], {"name": "Ann", "gender": "FEMALE", "base_images": [{"image_url": "https://x/y.png"}]}
        )
    assert locs(caught) == {("fields", "base_images", 0, "shot_type_id")}


def test_a_subject_has_one_base_image_per_shot_type():
    shot = str(uuid.uuid4())
    images = [{"shot_type_id": shot, "image_url": f"https://x/{i}.png"} for i in range(3)]
    with pytest.raises(Invalid) as caught:
        catalog.validate_patch(KINDS["subject"], {"base_images": images})
    assert locs(caught) == {("patch", "base_images", 1, "shot_type_id"), ("patch", "base_images", 2, "shot_type_id")}
    assert len(catalog.validate_patch(KINDS["subject"], {"base_images": images[:1]})["base_images"]) == 1


def test_r27_references_are_listed_by_kind_and_unresolved_ones_are_422_at_their_loc():
    shot, subject, background = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    values = {
        "background_preset_id": str(background),
        "base_images": [{"subject_id": str(subject), "shot_type_id": str(shot)}],
        "reference_images": [{"shot_type_id": str(shot)}],
        "subject_portraits": [],
    }
    rules = KINDS["set_design"]
    assert catalog.referenced_ids(rules, values) == {
        "background_preset": {background},
        "subject": {subject},
        "shot_type": {shot},
    }
    catalog.ensure_references_resolve(rules, values, {}, catalog.CREATE_FIELDS)
    with pytest.raises(Invalid) as caught:
        catalog.ensure_references_resolve(rules, values, {"shot_type": {shot}}, catalog.CREATE_FIELDS)
    assert locs(caught) == {
        ("fields", "base_images", 0, "shot_type_id"),
        ("fields", "reference_images", 0, "shot_type_id"),
    }


def test_finish_stamps_items_keeps_equal_ones_and_derives_the_slug():
    rules = KINDS["set_design"]
    item = {"subject_id": str(uuid.uuid4()), "shot_type_id": str(uuid.uuid4()), "variant_index": 0, "image_url": None}
    first = catalog.finish(rules, {"base_images": [item]}, {}, NOW)["base_images"][0]
    assert first["created_at"] == NOW.isoformat() and first["image_media"] is None and uuid.UUID(first["id"])
    later = datetime(2026, 6, 1, tzinfo=UTC)
    again = catalog.finish(
        rules, {"base_images": [item, {**item, "variant_index": 1}]}, {"base_images": [first]}, later
    )
    assert again["base_images"][0] == {**item, **{k: first[k] for k in catalog.STAMP_KEYS}}
    assert again["base_images"][1]["id"] != first["id"] and again["base_images"][1]["created_at"] == later.isoformat()
    subject = catalog.finish(KINDS["subject"], {"slug": None}, {"name": "Renée", "surname": "O'Neil"}, NOW)
    assert subject == {"slug": "renee-o-neil"}
    kept_id = catalog.finish(
        KINDS["subject"], {"measurements": {"height_cm": 170}}, {"measurements": {"id": "m1"}}, NOW
    )
    assert kept_id["measurements"] == {"height_cm": 170, "id": "m1"}


def test_columns_are_split_from_data_and_labels_follow_names():
    columns, data = catalog.split_columns({"name": "Coat", "public": True, "sku": "C-1"})
    assert (columns, data) == ({"name": "Coat", "public": True}, {"sku": "C-1"})
    shot = str(uuid.uuid4())
    stored = {"base_images": [{"shot_type_id": shot, "image_url": "u", "shot_type_label": "Old"}]}
    assert catalog.with_shot_type_labels(stored, {shot: "New"})["base_images"][0]["shot_type_label"] == "New"
    assert catalog.with_shot_type_labels(stored, {})["base_images"][0]["shot_type_label"] == "Old"


def test_visibility_owner_members_admins_and_everyone_for_public_entries():
    private = Entry(OWNER, ORG)
    for who in (caller(OWNER), caller(MEMBER, [ORG]), caller(ADMIN, admin=True)):
        catalog.ensure_visible(who, private, "Subject")
        catalog.ensure_editable(who, private, "Subject")
    with pytest.raises(NotFound):
        catalog.ensure_visible(caller(STRANGER), private, "Subject")
    with pytest.raises(NotFound):
        catalog.ensure_visible(caller(OWNER), None, "Subject")
    public = Entry(OWNER, None, public=True)
    catalog.ensure_visible(caller(STRANGER), public, "Shot type")
    with pytest.raises(PermissionDenied):
        catalog.ensure_editable(caller(STRANGER), public, "Shot type")


def test_only_an_admin_publishes():
    with pytest.raises(PermissionDenied):
        catalog.ensure_may_publish(caller(OWNER), {"public": True})
    catalog.ensure_may_publish(caller(OWNER), {"public": False, "name": "x"})
    catalog.ensure_may_publish(caller(ADMIN, admin=True), {"public": True})


def test_unknown_kind_is_invalid():
    with pytest.raises(Invalid):
        catalog.rules_for("camera")
    assert catalog.rules_for("pose_preset").label == "Pose preset"


def test_a57_product_sets_unusable_ids_are_422_at_their_index_and_removal_checks_nothing():
    good, bad = uuid.uuid4(), uuid.uuid4()
    product_sets.ensure_products_usable([good, bad, good], {"shot_type": {good}})
    with pytest.raises(Invalid) as caught:
        product_sets.ensure_products_usable([good, bad], {"product": {bad}})
    assert locs(caught) == {("product_ids", 1)}
    assert product_sets.SetChange.ADD.needs_usable_products and product_sets.SetChange.REPLACE.needs_usable_products
    assert not product_sets.SetChange.REMOVE.needs_usable_products
