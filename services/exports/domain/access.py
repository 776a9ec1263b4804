"""Who sees and uses configurations, integrations and mappings: scoped like catalog entries.

A personal row is its owner's; an organization's row is its members'; admins see everything.
A caller who cannot see a row gets 404. A reference from an object in a scope (a look of an
organization's shooting, a personal product) may name the scope organization's rows and the
caller's personal rows, as catalog references may; another organization's never (R27's rule).
"""

from __future__ import annotations

import uuid

from platformkit.access import (
    Owned,
    ensure_organization_scope,
    ensure_usable_organization,
    may_reach_resource,
    may_use_in_scope,
    resolve_creation_organization,
)
from platformkit.errors import NotFound
from platformkit.field_paths import FieldPath
from platformkit.principal import Caller

# A reference from an object in a scope: exactly the kit's rule (no public rows here).
usable_in_scope = may_use_in_scope


def can_see(caller: Caller, row: Owned) -> bool:
    """The kit's rule as it is: no public rows and no soft-deleted rows to tell apart here (the
    repository loads live rows only)."""
    return may_reach_resource(caller, row)


def visible(caller: Caller, row: Owned | None, what: str) -> Owned:
    if row is None or not can_see(caller, row):
        raise NotFound(f"{what} not found")
    return row


def list_scope(caller: Caller, organization_id: uuid.UUID | None) -> None:
    """Listing an organization's rows needs membership (403)."""
    ensure_organization_scope(caller, organization_id)


def creation_organization(
    caller: Caller, body: uuid.UUID | None, query: uuid.UUID | None, loc: FieldPath
) -> uuid.UUID | None:
    """The body's organization wins over the query's (both and different: 422); the caller must
    belong to it (422, as a body id that does not resolve)."""
    chosen = resolve_creation_organization(body, query, loc)
    # Unlike the shootings service, the query's organization is checked as the body's is (422).
    ensure_usable_organization(caller, chosen, loc)
    return chosen
