"""Which images a generation is styled with (R117, issue 15), composed without I/O from the look,
its catalog entries and its outfit."""

from __future__ import annotations

import uuid

from google.protobuf.struct_pb2 import Struct

from gateway.schemas.generations import GenerationPlanner, style_outfit
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import catalog_pb2, looks_pb2
from protos.shots.v1 import shots_pb2

CORE, BELT, SCARF, SUBJECT, SHOT_TYPE = (str(uuid.uuid4()) for _ in range(5))


def entry(entry_id: str, name: str, **fields: object) -> catalog_pb2.CatalogEntry:
    values = Struct()
    values.update(fields)
    return catalog_pb2.CatalogEntry(id=entry_id, name=name, fields=values)


ENTRIES = {
    CORE: entry(CORE, "Coat", cover_image_url="https://x/coat.png", reference_images=["https://x/coat-back.png"]),
    BELT: entry(BELT, "Belt", cover_image_url="https://x/belt.png"),
    SCARF: entry(SCARF, "Scarf", cover_image_url="https://x/coat.png"),  # the same picture as the coat's
    SUBJECT: entry(SUBJECT, "Ada", base_images=[{"shot_type_id": SHOT_TYPE, "image_url": "https://x/ada.png"}]),
    SHOT_TYPE: entry(SHOT_TYPE, "front", view_angle="FRONT", framing="FULL_BODY"),
}


def outfit(outfit_id: str = "o1", status: str | None = None) -> outfits_pb2.Outfit:
    found = outfits_pb2.Outfit(id=outfit_id, outfit_product_ids=[BELT, SCARF])
    if status is not None:
        found.generation_status = status
    found.references.add(url="https://x/mood.png")
    media = found.references.add()
    media.media.id, media.media.key = "m1", "uploads/s/1/sketch.png"
    return found


def test_references_come_in_a_defined_order_each_url_once():
    look = looks_pb2.Look(id="l", product_id=CORE, subject_id=SUBJECT)
    inputs = GenerationPlanner(look, ENTRIES, outfit()).inputs(shots_pb2.Shot(id="s", shot_type_id=SHOT_TYPE))
    assert inputs.base_image_url == "https://x/ada.png" and inputs.outfit_id == "o1"
    assert list(inputs.reference_image_urls) == [
        "https://x/coat.png",
        "https://x/coat-back.png",
        "https://x/belt.png",
        "https://x/mood.png",
        "media:uploads/s/1/sketch.png",
    ]
    assert [(r.role, r.source_id) for r in inputs.references] == [
        ("product", CORE),
        ("product", CORE),
        ("outfit_product", BELT),
        ("outfit_reference", ""),
        ("outfit_reference", "m1"),
    ]
    without = GenerationPlanner(look, ENTRIES).inputs(shots_pb2.Shot(id="s", shot_type_id=SHOT_TYPE))
    assert len(without.references) == 2 and not without.HasField("outfit_id")


def test_the_outfit_is_the_finalized_one_else_the_newest_proposal_that_holds_something():
    chosen = outfits_pb2.LookOutfits(outfit=outfit("the"), proposals=[outfit("p1")])
    assert style_outfit(chosen).id == "the"
    proposals = outfits_pb2.LookOutfits(
        proposals=[outfit("old", "COMPLETED"), outfit("mine"), outfit("styling", "PENDING"), outfit("bad", "FAILED")]
    )
    assert style_outfit(proposals).id == "mine"
    assert style_outfit(outfits_pb2.LookOutfits()) is None and style_outfit(None) is None


def test_the_size_is_the_looks_own_else_its_resolution_presets():
    preset = entry("preset", "Thumb", width=96, height=144)
    shot = shots_pb2.Shot(id="s", shot_type_id=SHOT_TYPE)
    by_preset = looks_pb2.Look(id="l", product_id=CORE, subject_id=SUBJECT, resolution_preset_id="preset")
    inputs = GenerationPlanner(by_preset, ENTRIES | {"preset": preset}).inputs(shot)
    assert (inputs.width, inputs.height) == (96, 144)
    own = looks_pb2.Look(id="l", product_id=CORE, subject_id=SUBJECT, width=300, height=400)
    assert GenerationPlanner(own, ENTRIES).size() == (300, 400)
    unsized = GenerationPlanner(looks_pb2.Look(id="l", product_id=CORE), ENTRIES).inputs(shot)
    assert not unsized.HasField("width") and not unsized.HasField("height")
