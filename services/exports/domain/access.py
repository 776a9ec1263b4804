"""Who sees and uses configurations, integrations and mappings: scoped like catalog entries.

A personal row is its owner's; an organization's row is its members'; admins see everything.
A caller who cannot see a row gets 404. A reference from an object in a scope (a look of an
organization's shooting, a personal product) may name the scope organization's rows and the
caller's personal rows, as catalog references may; another organization's never (R27's rule).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from platformkit.errors import Invalid, NotFound, PermissionDenied
from platformkit.principal import Caller


class Scoped(Protocol):
    @property
    def owner_id(self) -> uuid.UUID | None: ...

    @property
    def organization_id(self) -> uuid.UUID | None: ...


def can_see(caller: Caller, row: Scoped) -> bool:
    return caller.is_superuser or row.owner_id == caller.user_id or caller.is_member(row.organization_id)


def visible(caller: Caller, row: Scoped | None, what: str) -> Scoped:
    if row is None or not can_see(caller, row):
        raise NotFound(f"{what} not found")
    return row


def usable_in_scope(caller: Caller, row: Scoped, scope_organization_id: uuid.UUID | None) -> bool:
    if row.organization_id is not None:
        member = caller.is_superuser or caller.is_member(row.organization_id)
        return row.organization_id == scope_organization_id and member
    return caller.is_superuser or row.owner_id == caller.user_id


def list_scope(caller: Caller, organization_id: uuid.UUID | None) -> None:
    """Listing an organization's rows needs membership (403)."""
    if organization_id is not None and not (caller.is_superuser or caller.is_member(organization_id)):
        raise PermissionDenied("Not a member of this organization")


def creation_organization(
    caller: Caller, body: uuid.UUID | None, query: uuid.UUID | None, loc: tuple[str, ...]
) -> uuid.UUID | None:
    """The body's organization wins over the query's (both and different: 422); the caller must
    belong to it (422, as a body id that does not resolve)."""
    if body and query and body != query:
        raise Invalid.at(loc, "organization_id differs between the body and the query parameter")
    chosen = body or query
    if chosen is not None and not (caller.is_superuser or caller.is_member(chosen)):
        raise Invalid.at(loc, "Unknown organization, or the caller is not a member of it")
    return chosen
