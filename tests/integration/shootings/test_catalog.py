"""CatalogService and ProductSetsService over real gRPC against a real database: what the calls
store, the database-enforced SKU rule, the single-statement batch reads, and product-set rows.

The HTTP behaviour of the same rules is covered end to end in tests/e2e/test_catalog.py and
tests/e2e/test_product_sets.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct

from platformkit import rich_status
from protos.shootings.v1 import catalog_pb2 as pb
from protos.shootings.v1 import shootings_pb2
from protos.shootings.v1.catalog_pb2_grpc import CatalogServiceStub, ProductSetsServiceStub
from tests.integration.shootings.conftest import as_user, catalog_statements
from tests.support.principals import signed_channel

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER, MEMBER, STRANGER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4()


@dataclass
class Catalog:
    stub: CatalogServiceStub
    sets: ProductSetsServiceStub
    shootings: object


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def catalog(shootings) -> AsyncIterator[Catalog]:
    channel = signed_channel(f"127.0.0.1:{shootings.runtime.bound_port}", "shootings")
    try:
        yield Catalog(CatalogServiceStub(channel), ProductSetsServiceStub(channel), shootings)
    finally:
        await channel.close()


def struct(**values) -> Struct:
    message = Struct()
    message.update(values)
    return message


async def create(catalog: Catalog, kind: str, user=OWNER, orgs=(), organization_id=None, **fields) -> pb.CatalogEntry:
    request = pb.CreateEntryRequest(kind=kind, fields=struct(**fields))
    if organization_id:
        request.organization_id = str(organization_id)
    return await catalog.stub.CreateEntry(request, metadata=as_user(user, organizations=orgs))


async def failure(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def locs(error: grpc.aio.AioRpcError) -> list[tuple[str | int, ...]]:
    """The field paths (into the request) of an INVALID_ARGUMENT's violations."""
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return [v.loc for v in rich_status.field_violations(rich_status.read_status(error))]


async def rows(engine, sql: str, **params):
    async with engine.connect() as conn:
        return (await conn.execute(sa.text(sql), params)).mappings().all()


async def test_create_stores_columns_and_every_field_with_its_default(catalog):
    product = await create(catalog, "product", name="Wool coat", sku="WC-1")
    stored = await rows(
        catalog.shootings.engine,
        "SELECT kind, owner_id, organization_id, name, public, data FROM catalog_entries WHERE id = :id",
        id=product.id,
    )
    assert len(stored) == 1
    row = stored[0]
    assert (row["kind"], row["owner_id"], row["organization_id"], row["name"], row["public"]) == (
        "product",
        OWNER,
        None,
        "Wool coat",
        False,
    )
    assert row["data"]["sku"] == "WC-1" and row["data"]["gender"] == "UNISEX"
    assert row["data"]["enabled"] is True and row["data"]["archived"] is False
    assert "name" not in row["data"] and "public" not in row["data"]


async def test_sku_is_unique_per_catalog_case_insensitively_and_freed_by_delete(catalog):
    sku = f"SKU-{uuid.uuid4().hex[:6]}"
    first = await create(catalog, "product", name="A", sku=sku)
    error = await failure(create(catalog, "product", name="B", sku=sku.lower()))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "SKU" in error.details()
    # Another owner's catalog and an organization's catalog are separate catalogs.
    await create(catalog, "product", user=STRANGER, name="C", sku=sku)
    await create(catalog, "product", orgs=[ORG], organization_id=ORG, name="D", sku=sku)
    await catalog.stub.DeleteEntry(pb.EntryRef(kind="product", id=first.id), metadata=as_user(OWNER))
    again = await create(catalog, "product", name="E", sku=sku)
    deleted = await rows(catalog.shootings.engine, "SELECT deleted_at FROM catalog_entries WHERE id = :id", id=first.id)
    assert deleted[0]["deleted_at"] is not None and again.id != first.id


async def test_batch_get_is_one_statement_in_request_order_and_visible_only(catalog):
    mine = [await create(catalog, "product", name=f"P{i}", sku=f"B-{uuid.uuid4().hex[:6]}") for i in range(3)]
    foreign = await create(catalog, "product", user=STRANGER, name="Theirs")
    subject = await create(catalog, "subject", name="Ann", gender="FEMALE")
    ids = [mine[2].id, foreign.id, mine[0].id, subject.id, str(uuid.uuid4()), mine[1].id, mine[0].id]
    with catalog_statements(catalog.shootings.runtime.context.engine) as statements:
        reply = await catalog.stub.BatchGetProducts(pb.BatchGetRequest(ids=ids), metadata=as_user(OWNER))
    assert len(statements) == 1
    assert [p.id for p in reply.products] == [mine[2].id, mine[0].id, mine[1].id]
    assert reply.products[0].gender == "UNISEX" and reply.products[0].name == "P2"
    generic = await catalog.stub.BatchGetEntries(pb.BatchGetRequest(ids=ids), metadata=as_user(OWNER))
    assert {e.kind for e in generic.entries} == {"product", "subject"}


async def test_deleted_entries_only_with_include_deleted(catalog):
    gone = await create(catalog, "shot_type", name="Gone", view_angle="FRONT", framing="FULL_BODY")
    await catalog.stub.DeleteEntry(pb.EntryRef(kind="shot_type", id=gone.id), metadata=as_user(OWNER))
    live = await catalog.stub.BatchGetShotTypes(pb.BatchGetRequest(ids=[gone.id]), metadata=as_user(OWNER))
    assert list(live.shot_types) == []
    kept = await catalog.stub.BatchGetShotTypes(
        pb.BatchGetRequest(ids=[gone.id], include_deleted=True), metadata=as_user(OWNER)
    )
    assert [s.id for s in kept.shot_types] == [gone.id] and kept.shot_types[0].HasField("deleted_at")


async def test_base_image_labels_follow_the_shot_type_name_in_one_statement(catalog):
    front = await create(catalog, "shot_type", name="Front", view_angle="FRONT", framing="FULL_BODY")
    subject = await create(
        catalog,
        "subject",
        name="Zoë Smith",
        gender="FEMALE",
        base_images=[{"shot_type_id": front.id, "image_url": "https://img.example/front.png"}],
    )
    assert subject.fields["slug"] == "zoe-smith"
    assert subject.fields["base_images"][0]["shot_type_label"] == "Front"
    await catalog.stub.UpdateEntry(
        pb.UpdateEntryRequest(kind="shot_type", id=front.id, patch=struct(name="Front full")), metadata=as_user(OWNER)
    )
    with catalog_statements(catalog.shootings.runtime.context.engine) as statements:
        read = await catalog.stub.GetEntry(pb.EntryRef(kind="subject", id=subject.id), metadata=as_user(OWNER))
    assert len(statements) == 1
    assert read.fields["base_images"][0]["shot_type_label"] == "Front full"
    typed = await catalog.stub.BatchGetSubjects(pb.BatchGetRequest(ids=[subject.id]), metadata=as_user(OWNER))
    assert [(b.shot_type_id, b.shot_type_label) for b in typed.subjects[0].base_images] == [(front.id, "Front full")]
    assert typed.subjects[0].gender == "FEMALE" and typed.subjects[0].subject_type == "AI"


async def test_r27_references_must_be_usable_in_the_entry_scope(catalog):
    both = [ORG, OTHER_ORG]
    other = await create(
        catalog, "shot_type", orgs=both, organization_id=OTHER_ORG, name="Other", view_angle="BACK", framing="DETAIL"
    )
    request = create(catalog, "pose_preset", orgs=both, organization_id=ORG, name="Pose", shot_type_id=other.id)
    assert locs(await failure(request)) == [("fields", "shot_type_id")]
    personal = await create(catalog, "shot_type", name="Mine", view_angle="SIDE", framing="UPPER_BODY")
    pose = await create(catalog, "pose_preset", orgs=both, organization_id=ORG, name="Pose", shot_type_id=personal.id)
    assert pose.fields["shot_type_id"] == personal.id
    bad_design = create(
        catalog,
        "set_design",
        name="Set",
        base_images=[{"subject_id": str(uuid.uuid4()), "shot_type_id": personal.id}],
    )
    assert locs(await failure(bad_design)) == [("fields", "base_images", 0, "subject_id")]


async def test_patch_changes_only_its_keys_and_keeps_nested_item_ids(catalog):
    shot = await create(catalog, "shot_type", name="Side", view_angle="SIDE", framing="FULL_BODY")
    subject = await create(catalog, "subject", name="Bo", gender="MALE")
    design = await create(
        catalog,
        "set_design",
        name="Studio",
        description="White",
        base_images=[{"subject_id": subject.id, "shot_type_id": shot.id, "image_url": "https://img.example/a.png"}],
    )
    item = design.fields["base_images"][0]
    assert uuid.UUID(item["id"]) and item["variant_index"] == 0 and item["image_media"] is None
    patched = await catalog.stub.UpdateEntry(
        pb.UpdateEntryRequest(
            kind="set_design",
            id=design.id,
            patch=struct(
                name="Studio 2",
                base_images=[
                    {"subject_id": subject.id, "shot_type_id": shot.id, "image_url": "https://img.example/a.png"},
                    {"subject_id": subject.id, "shot_type_id": shot.id, "variant_index": 1},
                ],
            ),
        ),
        metadata=as_user(OWNER),
    )
    assert patched.name == "Studio 2" and patched.fields["description"] == "White"
    kept, added = patched.fields["base_images"]
    assert kept["id"] == item["id"] and added["id"] != item["id"]
    assert patched.updated_at.ToDatetime() > design.updated_at.ToDatetime()
    error = await failure(
        catalog.stub.UpdateEntry(
            pb.UpdateEntryRequest(kind="set_design", id=design.id, patch=struct(name=None)), metadata=as_user(OWNER)
        )
    )
    assert locs(error) == [("patch", "name")]


async def test_resolve_product_filter_gives_ids_in_sort_order_with_the_total(catalog):
    org = uuid.uuid4()
    for name, brand in (("b-shirt", "Acme"), ("A-shirt", "acme"), ("c-shirt", "Other")):
        await create(catalog, "product", orgs=[org], organization_id=org, name=name, brand=brand)
    request = pb.ResolveProductFilterRequest(
        organization_id=str(org), filters=struct(brand="ACME", sort_by="name", sort_order="asc", limit=1)
    )
    reply = await catalog.stub.ResolveProductFilter(request, metadata=as_user(OWNER, organizations=[org]))
    assert reply.count == 2 and len(reply.product_ids) == 1
    first = await catalog.stub.GetEntry(pb.EntryRef(kind="product", id=reply.product_ids[0]), metadata=as_user(OWNER))
    assert first.name == "A-shirt"
    bad = pb.ResolveProductFilterRequest(filters=struct(sort_by="price", colour="red"))
    assert set(locs(await failure(catalog.stub.ResolveProductFilter(bad, metadata=as_user(OWNER))))) == {
        ("filters", "sort_by"),
        ("filters", "colour"),
    }


async def shooting(catalog: Catalog, user=OWNER, orgs=(), organization_id=None) -> str:
    request = shootings_pb2.CreateShootingRequest(name="Campaign")
    request.due_date.FromDatetime(datetime(2026, 12, 24, tzinfo=UTC))
    if organization_id:
        request.organization_id = str(organization_id)
    reply = await catalog.shootings.stub.CreateShooting(request, metadata=as_user(user, organizations=orgs))
    return reply.id


def change(shooting_id: str, *product_ids: str, product_set=pb.PRODUCT_SET_MAIN) -> pb.ChangeSetProductsRequest:
    return pb.ChangeSetProductsRequest(shooting_id=shooting_id, set=product_set, product_ids=list(product_ids))


async def test_r126_r128_replace_keeps_rows_of_products_it_keeps_and_sets_are_independent(catalog):
    shooting_id = await shooting(catalog)
    a, b, c = [await create(catalog, "product", name=n) for n in "abc"]
    added = await catalog.sets.AddSetProducts(change(shooting_id, a.id, b.id, a.id), metadata=as_user(OWNER))
    assert added.count == 2
    sql = "SELECT product_id, added_at FROM shooting_main_products WHERE shooting_id = :id"
    before = {str(r["product_id"]): r["added_at"] for r in await rows(catalog.shootings.engine, sql, id=shooting_id)}
    replaced = await catalog.sets.ReplaceSetProducts(change(shooting_id, b.id, c.id), metadata=as_user(OWNER))
    assert {p.id for p in replaced.products} == {b.id, c.id}
    after = {str(r["product_id"]): r["added_at"] for r in await rows(catalog.shootings.engine, sql, id=shooting_id)}
    assert set(after) == {b.id, c.id} and after[b.id] == before[b.id]
    sample = await catalog.sets.ListSetProducts(
        pb.ListSetProductsRequest(shooting_id=shooting_id, set=pb.PRODUCT_SET_SAMPLE), metadata=as_user(OWNER)
    )
    assert sample.count == 0


async def test_a57_foreign_products_are_422_and_deleted_ones_leave_the_list(catalog):
    org = uuid.uuid4()
    shooting_id = await shooting(catalog, orgs=[org], organization_id=org)
    personal_of_other = await create(catalog, "product", user=STRANGER, name="Not usable")
    in_org = await create(catalog, "product", orgs=[org], organization_id=org, name="Usable")
    error = await failure(
        catalog.sets.AddSetProducts(
            change(shooting_id, in_org.id, personal_of_other.id), metadata=as_user(OWNER, organizations=[org])
        )
    )
    assert locs(error) == [("product_ids", 1)]
    metadata = as_user(OWNER, organizations=[org])
    await catalog.sets.AddSetProducts(change(shooting_id, in_org.id), metadata=metadata)
    await catalog.stub.DeleteEntry(pb.EntryRef(kind="product", id=in_org.id), metadata=metadata)
    listed = await catalog.sets.ListSetProducts(
        pb.ListSetProductsRequest(shooting_id=shooting_id, set=pb.PRODUCT_SET_MAIN), metadata=metadata
    )
    assert listed.count == 0 and list(listed.products) == []
    # Removing it (now deleted, so no longer usable) still works: removal checks nothing.
    removed = await catalog.sets.RemoveSetProducts(change(shooting_id, in_org.id), metadata=metadata)
    assert removed.count == 0
    assert (
        await rows(
            catalog.shootings.engine, "SELECT 1 FROM shooting_main_products WHERE shooting_id = :id", id=shooting_id
        )
        == []
    )
