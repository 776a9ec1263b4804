"""Who may see and change what (D0.9; R8-R12, A20, A43).

A caller who cannot see a resource gets 404, so existence is never revealed; one who can see
it but lacks the right for the action gets 403.
"""

from __future__ import annotations

import uuid
from typing import Protocol

# The kit's checks, re-exported for the handlers. A new resource's organization is the body's, else
# the query's (resolve_creation_organization); this service checks membership of each apart: the
# body's gives 422 (ensure_usable_organization), the query's 403 (ensure_organization_scope).
from platformkit.access import Owned, may_reach, may_reach_resource, may_use_in_scope
from platformkit.access import ensure_organization_scope as ensure_organization_scope
from platformkit.access import ensure_usable_organization as ensure_usable_organization
from platformkit.access import resolve_creation_organization as resolve_creation_organization
from platformkit.errors import NotFound, PermissionDenied
from platformkit.principal import Caller


def can_view(caller: Caller, resource: Owned) -> bool:
    """The owner, a member of the resource's organization, or an admin: the kit's rule as it is.
    Unlike shots and outfits, deletion is not checked here: the repository loads live rows only,
    unless asked for a deleted one (restore)."""
    return may_reach_resource(caller, resource)


def ensure_visible(caller: Caller, resource: Owned | None, what: str) -> None:
    if resource is None or not can_view(caller, resource):
        raise NotFound(f"{what} not found")


def ensure_in_scope(resource: Owned, organization_id: uuid.UUID | None, what: str) -> None:
    """With an ``organization_id`` query parameter, the resource must belong to that organization."""
    if organization_id is not None and resource.organization_id != organization_id:
        raise NotFound(f"{what} not found")


def ensure_owner(caller: Caller, resource: Owned, action: str) -> None:
    """Actions the reference reserves to the owner (the admin may act for anyone)."""
    if not may_reach(caller, owner_id=resource.owner_id):
        raise PermissionDenied(f"Only the owner may {action}")


def ensure_admin(caller: Caller) -> None:
    if not caller.is_superuser:
        raise PermissionDenied("Not enough permissions")


class CatalogItem(Owned, Protocol):
    @property
    def public(self) -> bool: ...


def usable_in_scope(caller: Caller, entry: CatalogItem, scope_organization_id: uuid.UUID | None) -> bool:
    """May an object in ``scope_organization_id`` (None: a personal object) reference ``entry``?

    Public entries, the scope organization's own entries and the caller's personal entries are
    usable; another organization's entries never are (R27: cross-organization references are 422),
    even for a caller who belongs to both. Public entries are the catalog's own addition to the
    kit's rule.
    """
    return entry.public or may_use_in_scope(caller, entry, scope_organization_id)
