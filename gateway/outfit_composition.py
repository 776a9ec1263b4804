"""A page of looks' outfits, for look responses: one OutfitsService call for every look of the
page and one catalog call for every product those outfits name, whatever the page holds.

Looks the outfits context does not know yet (their creation event is still on its way) simply
have no outfit: the look's own ``outfit_id`` is the fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gateway.answers.outfits import OutfitsView
from gateway.clients import ServiceClients
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import catalog_pb2


def outfits_of(looks: Iterable[outfits_pb2.LookOutfits]) -> list[outfits_pb2.Outfit]:
    """Every outfit of the looks: their proposals and their chosen outfit."""
    return [o for look in looks for o in (*look.proposals, *([look.outfit] if look.HasField("outfit") else []))]


def product_ids(outfits: Iterable[outfits_pb2.Outfit]) -> list[str]:
    return list(dict.fromkeys(i for o in outfits for i in o.outfit_product_ids))


async def catalog_entries(
    clients: ServiceClients, principal: common_pb2.Principal, ids: Sequence[str]
) -> dict[str, catalog_pb2.CatalogEntry]:
    """The entries among ``ids`` the caller may see, in one call (none for no id)."""
    if not ids:
        return {}
    reply = await clients.catalog.BatchGetEntries(
        catalog_pb2.BatchGetRequest(ids=list(ids)), metadata=principal_metadata(principal)
    )
    return {e.id: e for e in reply.entries}


async def look_outfits(
    clients: ServiceClients, principal: common_pb2.Principal, look_ids: Sequence[str]
) -> OutfitsView:
    if not look_ids:
        return OutfitsView()
    reply = await clients.outfits.ListLookOutfits(
        outfits_pb2.ListLookOutfitsRequest(look_ids=list(look_ids)),
        metadata=principal_metadata(principal),
    )
    entries = await catalog_entries(clients, principal, product_ids(outfits_of(reply.looks)))
    return OutfitsView({look.look_id: look for look in reply.looks}, entries)
