"""Who may reach what: the one access rule every service applies (docs/decisions.md D0.9).

A shooting and everything scoped like one (its looks, shots and outfits, catalog entries, export
configurations and integrations) is reached by its owner, the members of its organization and
admins. Each service wraps this decision with what only it knows (a deleted shooting hides its
shots, a public catalog entry is readable by everyone) and turns a refusal into 404 or 403; the
decision itself lives here, once. Its SQL form is :mod:`platformkit.access_conditions`.

Pure: no I/O, the caller and the ids in, a yes or a no (or a domain error) out.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from platformkit.errors import Invalid, PermissionDenied
from platformkit.field_paths import FieldPath
from platformkit.principal import Caller

NOT_A_MEMBER = "Not a member of this organization"
BODY_ORGANIZATION = ("organization_id",)


class Owned(Protocol):
    """Anything with an owner and an optional organization (rows satisfy it as they are)."""

    @property
    def owner_id(self) -> uuid.UUID | None: ...

    @property
    def organization_id(self) -> uuid.UUID | None: ...


def may_reach(caller: Caller, owner_id: uuid.UUID | None = None, organization_id: uuid.UUID | None = None) -> bool:
    """The owner, a member of the organization, or an admin.

    Leave ``organization_id`` out for what only the owner (or an admin) may do, and ``owner_id``
    out for what any member of the organization (or an admin) may do. A ``None`` owner or
    organization matches nobody: only an admin reaches what has neither.
    """
    return (
        caller.is_superuser
        or (owner_id is not None and owner_id == caller.user_id)
        or caller.is_member(organization_id)
    )


def may_reach_resource(caller: Caller, resource: Owned) -> bool:
    """:func:`may_reach` for a row that carries its owner and organization."""
    return may_reach(caller, resource.owner_id, resource.organization_id)


def may_use_in_scope(caller: Caller, resource: Owned, scope_organization_id: uuid.UUID | None) -> bool:
    """May an object in ``scope_organization_id`` (None: a personal object) reference ``resource``?

    The scope organization's own resources (for its members) and the caller's personal resources
    are usable; another organization's never are, even for a caller who belongs to both, so no
    object ever points across organizations (a cross-organization reference is a 422).
    """
    if resource.organization_id is not None:
        return resource.organization_id == scope_organization_id and may_reach(
            caller, organization_id=resource.organization_id
        )
    return may_reach(caller, owner_id=resource.owner_id)


def ensure_organization_scope(caller: Caller, organization_id: uuid.UUID | None) -> None:
    """An ``organization_id`` query parameter must name one of the caller's organizations (any,
    for an admin): 403 otherwise, since the caller knows the organization they named."""
    if organization_id is not None and not may_reach(caller, organization_id=organization_id):
        raise PermissionDenied(NOT_A_MEMBER)


def ensure_usable_organization(caller: Caller, organization_id: uuid.UUID | None, loc: FieldPath) -> None:
    """An organization named in a request body must be one the caller belongs to (any, for an
    admin): 422 at ``loc`` otherwise, as for any body id that does not resolve."""
    if organization_id is not None and not may_reach(caller, organization_id=organization_id):
        raise Invalid.at(loc, "Unknown organization, or the caller is not a member of it")


def resolve_creation_organization(
    body_organization_id: uuid.UUID | None,
    query_organization_id: uuid.UUID | None,
    loc: FieldPath = BODY_ORGANIZATION,
) -> uuid.UUID | None:
    """The organization a new resource belongs to: the body's wins, the query parameter is the
    fallback; both set and different is a 422 at ``loc``."""
    if body_organization_id and query_organization_id and body_organization_id != query_organization_id:
        raise Invalid.at(loc, "organization_id differs between the body and the query parameter")
    return body_organization_id or query_organization_id
