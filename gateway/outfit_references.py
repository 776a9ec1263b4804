"""The outfits a look creation brings (E8 ``product_outfit_configs``) are written later, when the
outfits context learns of the new looks, where no caller waits for an error. So their MediaInput
references are checked here first, by the media registry (the shots service's ResolveMedia, as
for E18 and E19): one that does not resolve is a 422 at the item and nothing is created; one that
resolves is sent on by its media resource's id, so the outfits context finds it without fetching
a URL again."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from gateway.clients import ServiceClients
from gateway.schemas.looks import ProductOutfitConfig
from gateway.schemas.outfits import MediaInput
from platformkit.errors import Invalid, Violation
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import shootings_pb2
from protos.shots.v1 import shots_pb2


def _named(
    configs: Sequence[ProductOutfitConfig],
) -> tuple[list[tuple[MediaInput, tuple[str, ...], shots_pb2.MediaReference]], list[Violation]]:
    found, violations = [], []
    for i, config in enumerate(configs):
        for j, reference in enumerate(config.outfit_ref_imgs_urls or []):
            if not isinstance(reference, MediaInput):
                continue
            loc = ("body", "product_outfit_configs", str(i), "outfit_ref_imgs_urls", str(j))
            if reference.media_resource_id is not None:
                target = shots_pb2.MediaReference(media_id=str(reference.media_resource_id))
                found.append((reference, (*loc, "media_resource_id"), target))
            elif reference.url:
                found.append((reference, (*loc, "url"), shots_pb2.MediaReference(url=reference.url)))
            else:
                violations.append(Violation(loc, "A MediaInput names a media_resource_id or a url", "missing"))
    return found, violations


async def resolve_configured_references(
    clients: ServiceClients,
    principal: common_pb2.Principal,
    shooting_id: uuid.UUID,
    configs: Sequence[ProductOutfitConfig],
) -> None:
    """Give each MediaInput of ``configs`` its media resource's id (422 for one that has none the
    caller may use in the shooting's scope)."""
    named, violations = _named(configs)
    if named:
        metadata = principal_metadata(principal)
        shooting = await clients.shootings.GetShootingHeader(
            shootings_pb2.GetShootingRequest(id=str(shooting_id)), metadata=metadata
        )
        request = shots_pb2.ResolveMediaRequest(
            shooting_id=shooting.id, owner_id=shooting.owner_id, references=[target for _, _, target in named]
        )
        if shooting.HasField("organization_id"):
            request.organization_id = shooting.organization_id
        reply = await clients.shots.ResolveMedia(request, metadata=metadata)
        for (reference, loc, _), answer in zip(named, reply.media, strict=True):
            if answer.HasField("media"):
                reference.media_resource_id = uuid.UUID(answer.media.id)
            else:
                violations.append(Violation(loc, answer.error))
    if violations:
        raise Invalid(violations)
