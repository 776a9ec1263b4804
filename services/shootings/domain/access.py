"""Who may see and change what (D0.9; R8-R12, A20, A43).

A caller who cannot see a resource gets 404, so existence is never revealed; one who can see
it but lacks the right for the action gets 403.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from platformkit.errors import Invalid, NotFound, PermissionDenied
from platformkit.principal import Caller


class Owned(Protocol):
    """Anything with an owner and an optional organization (rows satisfy it as they are)."""

    @property
    def owner_id(self) -> uuid.UUID | None: ...

    @property
    def organization_id(self) -> uuid.UUID | None: ...


def can_view(caller: Caller, resource: Owned) -> bool:
    """The owner, a member of the resource's organization, or an admin."""
    return caller.is_superuser or resource.owner_id == caller.user_id or caller.is_member(resource.organization_id)


def ensure_visible(caller: Caller, resource: Owned | None, what: str) -> None:
    if resource is None or not can_view(caller, resource):
        raise NotFound(f"{what} not found")


def ensure_organization_scope(caller: Caller, organization_id: uuid.UUID | None) -> None:
    """R8: an explicit ``organization_id`` query parameter must name one of the caller's organizations."""
    if organization_id is not None and not (caller.is_superuser or caller.is_member(organization_id)):
        raise PermissionDenied("Not a member of this organization")


def ensure_in_scope(resource: Owned, organization_id: uuid.UUID | None, what: str) -> None:
    """With an ``organization_id`` query parameter, the resource must belong to that organization."""
    if organization_id is not None and resource.organization_id != organization_id:
        raise NotFound(f"{what} not found")


def ensure_owner(caller: Caller, resource: Owned, action: str) -> None:
    """Actions the reference reserves to the owner (the admin may act for anyone)."""
    if not (caller.is_superuser or resource.owner_id == caller.user_id):
        raise PermissionDenied(f"Only the owner may {action}")


def ensure_admin(caller: Caller) -> None:
    if not caller.is_superuser:
        raise PermissionDenied("Not enough permissions")


def ensure_usable_organization(caller: Caller, organization_id: uuid.UUID | None, loc: tuple[str, ...]) -> None:
    """An organization named in a request body must be one the caller belongs to (422 otherwise)."""
    if organization_id is not None and not (caller.is_superuser or caller.is_member(organization_id)):
        raise Invalid.at(loc, "Unknown organization, or the caller is not a member of it")


def resolve_creation_organization(
    body_organization_id: uuid.UUID | None, query_organization_id: uuid.UUID | None
) -> uuid.UUID | None:
    """A45: the body wins; the query parameter is the fallback; both set and different is invalid."""
    if body_organization_id and query_organization_id and body_organization_id != query_organization_id:
        raise Invalid.at(
            ("body", "organization_id"), "organization_id differs between the body and the query parameter"
        )
    return body_organization_id or query_organization_id


class CatalogItem(Owned, Protocol):
    @property
    def public(self) -> bool: ...


def usable_in_scope(caller: Caller, entry: CatalogItem, scope_organization_id: uuid.UUID | None) -> bool:
    """May an object in ``scope_organization_id`` (None: a personal object) reference ``entry``?

    Public entries, the scope organization's own entries and the caller's personal entries are
    usable; another organization's entries never are (R27: cross-organization references are 422),
    even for a caller who belongs to both.
    """
    if entry.public:
        return True
    if entry.organization_id is not None:
        return entry.organization_id == scope_organization_id and (
            caller.is_superuser or caller.is_member(entry.organization_id)
        )
    return caller.is_superuser or entry.owner_id == caller.user_id
