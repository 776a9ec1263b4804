"""The one access rule (owner, organization member or admin), in Python and as SQL conditions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from platformkit.access import (
    ensure_organization_scope,
    ensure_usable_organization,
    may_reach,
    may_reach_resource,
    may_use_in_scope,
    resolve_creation_organization,
)
from platformkit.access_conditions import listing_scope, reached_by
from platformkit.errors import Invalid, PermissionDenied
from platformkit.principal import Caller

OWNER, MEMBER, STRANGER, ADMIN = (uuid.uuid4() for _ in range(4))
ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4()


def caller(user: uuid.UUID, orgs: tuple[uuid.UUID, ...] = (), admin: bool = False) -> Caller:
    return Caller(user, admin, frozenset(orgs))


@dataclass(frozen=True)
class Row:
    owner_id: uuid.UUID | None
    organization_id: uuid.UUID | None = None


def test_the_owner_a_member_and_an_admin_reach_an_organization_resource() -> None:
    assert may_reach(caller(OWNER), OWNER, ORG)
    assert may_reach(caller(MEMBER, (ORG,)), OWNER, ORG)
    assert may_reach(caller(ADMIN, admin=True), OWNER, ORG)
    assert not may_reach(caller(STRANGER, (OTHER_ORG,)), OWNER, ORG)


def test_a_personal_resource_is_its_owners_and_the_admins() -> None:
    assert may_reach(caller(OWNER), OWNER, None)
    assert not may_reach(caller(MEMBER, (ORG,)), OWNER, None)
    assert may_reach(caller(ADMIN, admin=True), OWNER, None)


def test_leaving_out_the_organization_asks_for_the_owner_and_leaving_out_the_owner_for_a_member() -> None:
    assert not may_reach(caller(MEMBER, (ORG,)), owner_id=OWNER)
    assert may_reach(caller(MEMBER, (ORG,)), organization_id=ORG)
    assert not may_reach(caller(OWNER), organization_id=ORG)


def test_none_matches_nobody_but_an_admin() -> None:
    assert not may_reach(caller(OWNER, (ORG,)))
    assert may_reach(caller(ADMIN, admin=True))
    assert not may_reach_resource(caller(OWNER), Row(None, None))


def test_a_reference_stays_within_its_scope() -> None:
    member = caller(MEMBER, (ORG, OTHER_ORG))
    assert may_use_in_scope(member, Row(OWNER, ORG), ORG)
    assert not may_use_in_scope(member, Row(OWNER, ORG), None)  # an organization's, from a personal object
    assert not may_use_in_scope(member, Row(OWNER, OTHER_ORG), ORG)  # another organization's, even a member's
    assert not may_use_in_scope(caller(STRANGER), Row(OWNER, ORG), ORG)  # not a member
    assert may_use_in_scope(caller(OWNER), Row(OWNER), ORG) and may_use_in_scope(caller(OWNER), Row(OWNER), None)
    assert not may_use_in_scope(member, Row(OWNER), ORG)  # someone else's personal resource
    assert may_use_in_scope(caller(ADMIN, admin=True), Row(OWNER, ORG), ORG)


def test_an_organization_query_needs_membership() -> None:
    with pytest.raises(PermissionDenied, match="Not a member of this organization"):
        ensure_organization_scope(caller(STRANGER, (OTHER_ORG,)), ORG)
    ensure_organization_scope(caller(MEMBER, (ORG,)), ORG)
    ensure_organization_scope(caller(ADMIN, admin=True), ORG)
    ensure_organization_scope(caller(STRANGER), None)


ROWS = sa.table("rows", sa.column("owner_id"), sa.column("organization_id"))


def sql(condition: sa.ColumnElement[bool]) -> str:
    return str(condition.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_reached_by_is_the_same_rule_in_sql() -> None:
    owner, organization = ROWS.c.owner_id, ROWS.c.organization_id
    assert sql(reached_by(caller(ADMIN, admin=True), owner, organization)) == "true"
    member = sql(reached_by(caller(MEMBER, (ORG,)), owner, organization))
    assert member == f"rows.owner_id = '{MEMBER}' OR rows.organization_id IN ('{ORG}')"
    # Without organizations, no organization column matches (an impossible id, never an empty IN).
    assert sql(reached_by(caller(OWNER), owner, organization)).endswith(f"IN ('{uuid.UUID(int=0)}')")


def test_a_list_shows_the_named_organizations_rows_or_the_callers_personal_ones() -> None:
    owner, organization = ROWS.c.owner_id, ROWS.c.organization_id
    assert sql(listing_scope(owner, organization, OWNER, ORG)) == f"rows.organization_id = '{ORG}'"
    personal = sql(listing_scope(owner, organization, OWNER, None))
    assert personal == f"rows.organization_id IS NULL AND rows.owner_id = '{OWNER}'"


def test_an_organization_in_a_body_must_be_the_callers() -> None:
    with pytest.raises(Invalid) as refused:
        ensure_usable_organization(caller(STRANGER, (OTHER_ORG,)), ORG, ("organization_id",))
    assert [v.loc for v in refused.value.violations] == [("organization_id",)]
    ensure_usable_organization(caller(MEMBER, (ORG,)), ORG, ("organization_id",))
    ensure_usable_organization(caller(ADMIN, admin=True), ORG, ("organization_id",))
    ensure_usable_organization(caller(STRANGER), None, ("organization_id",))


def test_a_new_resources_organization_is_the_bodys_else_the_querys() -> None:
    assert resolve_creation_organization(ORG, None) == ORG
    assert resolve_creation_organization(None, ORG) == ORG
    assert resolve_creation_organization(ORG, ORG) == ORG
    assert resolve_creation_organization(None, None) is None
    with pytest.raises(Invalid, match="differs between the body and the query"):
        resolve_creation_organization(ORG, OTHER_ORG, ("config", "organization_id"))
