"""Outfit values and choices without I/O: R109-R111 (A14), scoping of worn products, retry waits."""

from __future__ import annotations

import uuid

import pytest

from platformkit.errors import BadRequest, Invalid
from protos.shootings.v1 import catalog_pb2
from services.outfits.domain.access import usable_product
from services.outfits.domain.outfits import (
    check_instruction,
    check_references,
    ensure_one_choice,
    media_target,
    ref_urls,
)
from services.outfits.settings import StylingSettings
from services.outfits.styling import retry_delay

USER, ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def test_r110_references_are_urls_or_media_inputs():
    refs = ["https://x/a.jpg", {"url": "https://x/b.jpg", "alt_text": "b"}, {"media_resource_id": str(USER)}]
    assert ref_urls(refs) == ["https://x/a.jpg", "https://x/b.jpg"]
    assert [media_target(r) for r in refs] == [None, ("url", "https://x/b.jpg"), ("media_id", str(USER))]
    # The media resource wins over a url given with it: the url only described where it came from.
    assert media_target({"media_resource_id": "m", "url": "https://x/c.jpg"}) == ("media_id", "m")
    check_references(refs, ("fields", "outfit_ref_imgs_urls"))
    with pytest.raises(Invalid) as caught:
        check_references(["", "https://x/a.jpg", {"alt_text": "nothing named"}], ("fields", "outfit_ref_imgs_urls"))
    assert [v.loc for v in caught.value.violations] == [
        ("fields", "outfit_ref_imgs_urls", 0),
        ("fields", "outfit_ref_imgs_urls", 2),
    ]


def test_r109_instruction_at_most_10000_characters():
    check_instruction("x" * 10_000, ("fields", "outfit_instruction"))
    with pytest.raises(Invalid) as caught:
        check_instruction("x" * 10_001, ("fields", "outfit_instruction"))
    assert caught.value.violations[0].loc == ("fields", "outfit_instruction")


@pytest.mark.parametrize(("has_id", "has_fields"), [(True, True), (False, False)])
def test_r111_a14_both_or_neither_is_400(has_id, has_fields):
    with pytest.raises(BadRequest):
        ensure_one_choice(has_id, has_fields)


@pytest.mark.parametrize(("has_id", "has_fields"), [(True, False), (False, True)])
def test_r111_exactly_one_choice_passes(has_id, has_fields):
    ensure_one_choice(has_id, has_fields)


def product(**fields) -> catalog_pb2.Product:
    return catalog_pb2.Product(id=str(uuid.uuid4()), name="p", gender="UNISEX", **fields)


def test_worn_products_come_from_the_looks_scope():
    assert usable_product(product(public=True, organization_id=str(OTHER_ORG)), USER, None)
    assert usable_product(product(organization_id=str(ORG)), USER, ORG)
    assert not usable_product(product(organization_id=str(OTHER_ORG)), USER, ORG)  # R27
    assert not usable_product(product(organization_id=str(ORG)), USER, None)
    assert usable_product(product(owner_id=str(USER)), USER, ORG)
    assert not usable_product(product(owner_id=str(uuid.uuid4())), USER, None)


def test_retries_wait_longer_each_time_up_to_30_seconds():
    settings = StylingSettings(service_name="outfits", database_url="postgresql://x/y", grpc_bind="x:0")
    assert [retry_delay(settings, n) for n in (1, 2, 3, 4)] == [0.0, 1.0, 2.0, 4.0]
    assert retry_delay(settings, 20) == 30.0
