"""Export configurations and integrations over real gRPC and a real database: scoping like the
catalog, partial updates, soft deletes, references resolved per scope, and integration secrets
that are sealed at rest and never answered."""

from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa

from platformkit import rich_status
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb
from protos.exports.v1.exports_pb2_grpc import ExportsServiceStub
from services.exports.secret_box import SecretBox
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER, MEMBER, STRANGER, ORG, OTHER_ORG = (uuid.uuid4() for _ in range(5))
TEST_KEY = "integration-tests-exports-key"


def me(user: uuid.UUID = OWNER, *orgs: uuid.UUID):
    return as_user(user, organizations=orgs)


def bad_field(exc: grpc.aio.AioRpcError) -> str | int:
    """The field an INVALID_ARGUMENT names (the last part of its field path into the request)."""
    assert exc.code() is grpc.StatusCode.INVALID_ARGUMENT
    violations = rich_status.field_violations(rich_status.read_status(exc))
    assert violations
    return violations[0].loc[-1]


async def code_of(call) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code()


async def new_configuration(stub, organization_id: uuid.UUID | None = None, **fields) -> pb.ExportConfiguration:
    values = {"name": "Web", "format": "WEBP", "metadata_adapter": "ovs", **fields}
    request = pb.CreateExportConfigurationRequest(fields=pb.ExportConfigurationFields(**values))
    if organization_id:
        request.organization_id = str(organization_id)
    return await stub.CreateExportConfiguration(request, metadata=me(OWNER, ORG))


async def test_configurations_are_scoped_like_the_catalog(exports):
    stub = ExportsServiceStub(exports.channel)
    personal = await new_configuration(stub, quality=70)
    shared = await new_configuration(stub, ORG, name="Shop")
    assert (personal.format, personal.quality, personal.metadata_adapter) == ("WEBP", 70, "ovs")
    assert not personal.HasField("organization_id") and shared.organization_id == str(ORG)
    mine = await stub.ListExportConfigurations(pb.ListScopedRequest(), metadata=me(OWNER, ORG))
    assert personal.id in [c.id for c in mine.configurations] and shared.id not in [c.id for c in mine.configurations]
    theirs = await stub.ListExportConfigurations(
        pb.ListScopedRequest(organization_id=str(ORG)), metadata=me(MEMBER, ORG)
    )
    assert [c.id for c in theirs.configurations] == [shared.id] and theirs.count == 1
    outsider = stub.ListExportConfigurations(pb.ListScopedRequest(organization_id=str(ORG)), metadata=me(STRANGER))
    assert await code_of(outsider) is grpc.StatusCode.PERMISSION_DENIED
    hidden = stub.GetExportConfiguration(common_pb2.IdRequest(id=personal.id), metadata=me(MEMBER, ORG))
    assert await code_of(hidden) is grpc.StatusCode.NOT_FOUND
    assert (
        await stub.GetExportConfiguration(common_pb2.IdRequest(id=shared.id), metadata=me(MEMBER, ORG))
    ).name == "Shop"
    foreign = pb.CreateExportConfigurationRequest(
        fields=pb.ExportConfigurationFields(name="x", format="PNG", metadata_adapter="default"),
        organization_id=str(OTHER_ORG),
    )
    assert await code_of(stub.CreateExportConfiguration(foreign, metadata=me())) is grpc.StatusCode.INVALID_ARGUMENT


async def test_updates_are_partial_and_checked_and_deletes_are_soft(exports):
    stub = ExportsServiceStub(exports.channel)
    created = await new_configuration(stub, quality=70)
    patch = pb.UpdateExportConfigurationRequest(id=created.id, fields=pb.ExportConfigurationFields(format="AVIF"))
    patch.update_mask.paths.extend(["format", "quality"])  # quality unset in the message: cleared
    updated = await stub.UpdateExportConfiguration(patch, metadata=me())
    assert (updated.format, updated.HasField("quality"), updated.name) == ("AVIF", False, created.name)
    bad = pb.UpdateExportConfigurationRequest(id=created.id, fields=pb.ExportConfigurationFields(format="GIF"))
    bad.update_mask.paths.append("format")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.UpdateExportConfiguration(bad, metadata=me())
    assert bad_field(caught.value) == "format"
    await stub.DeleteExportConfiguration(common_pb2.IdRequest(id=created.id), metadata=me())
    gone = stub.GetExportConfiguration(common_pb2.IdRequest(id=created.id), metadata=me())
    assert await code_of(gone) is grpc.StatusCode.NOT_FOUND
    async with exports.engine.connect() as conn:
        kept = await conn.scalar(
            sa.text("SELECT deleted_at IS NOT NULL FROM export_configurations WHERE id = :id"), {"id": created.id}
        )
    assert kept is True


async def test_references_resolve_in_the_referencing_objects_scope(exports):
    stub = ExportsServiceStub(exports.channel)
    personal, shared = await new_configuration(stub), await new_configuration(stub, ORG)
    deleted = await new_configuration(stub)
    await stub.DeleteExportConfiguration(common_pb2.IdRequest(id=deleted.id), metadata=me())
    ids = [personal.id, shared.id, deleted.id, str(uuid.uuid4())]

    async def usable(user, orgs, scope=None, any_visible=False) -> set[str]:
        request = pb.ResolveExportConfigurationsRequest(ids=ids, any_visible=any_visible)
        if scope:
            request.scope_organization_id = str(scope)
        return set((await stub.ResolveExportConfigurations(request, metadata=me(user, *orgs))).usable_ids)

    assert await usable(OWNER, [ORG], ORG) == {personal.id, shared.id}  # the caller's own are usable anywhere
    assert await usable(OWNER, [ORG]) == {personal.id}  # a personal object never names an organization's
    assert await usable(MEMBER, [ORG], ORG) == {shared.id}
    assert await usable(MEMBER, [OTHER_ORG], OTHER_ORG) == set()
    assert await usable(MEMBER, [ORG], any_visible=True) == {shared.id}  # a user's own default


async def test_integration_secrets_are_sealed_at_rest_and_never_answered(exports):
    stub = ExportsServiceStub(exports.channel)
    secret = "s3cret-" + uuid.uuid4().hex
    fields = pb.IntegrationFields(
        name="OVS", integration_type="ovs", endpoint_url="https://ovs.example.com/in", secret=secret
    )
    created = await stub.CreateIntegration(pb.CreateIntegrationRequest(fields=fields), metadata=me())
    assert "secret" not in {f.name for f in pb.Integration.DESCRIPTOR.fields}
    assert secret not in str(created)
    async with exports.engine.connect() as conn:
        sealed = await conn.scalar(
            sa.text("SELECT secret_ciphertext FROM external_integrations WHERE id = :id"), {"id": created.id}
        )
    assert secret.encode() not in sealed and SecretBox([TEST_KEY]).open(sealed) == secret
    listed = await stub.ListIntegrations(pb.ListScopedRequest(), metadata=me())
    assert created.id in [i.id for i in listed.integrations]
    for bad, field in (
        (pb.IntegrationFields(name="x", integration_type="ovs", endpoint_url="https://a.b", secret="short"), "secret"),
        (
            pb.IntegrationFields(name="x", integration_type="ftp", endpoint_url="https://a.b", secret=secret),
            "integration_type",
        ),
        (
            pb.IntegrationFields(name="x", integration_type="ovs", endpoint_url="ftp://a.b", secret=secret),
            "endpoint_url",
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateIntegration(pb.CreateIntegrationRequest(fields=bad), metadata=me())
        assert bad_field(caught.value) == field
    rotated = pb.UpdateIntegrationRequest(
        id=created.id, fields=pb.IntegrationFields(secret="another-secret-0123456789")
    )
    rotated.update_mask.paths.append("secret")
    await stub.UpdateIntegration(rotated, metadata=me())
    async with exports.engine.connect() as conn:
        resealed = await conn.scalar(
            sa.text("SELECT secret_ciphertext FROM external_integrations WHERE id = :id"), {"id": created.id}
        )
    assert SecretBox([TEST_KEY]).open(resealed) == "another-secret-0123456789"
