"""Who may see a shooting and what it holds, and who may change it (R5, R8-R9, R12, A20, A43, A45)."""

import uuid
from dataclasses import dataclass

import pytest

from platformkit.errors import Invalid, NotFound, PermissionDenied
from services.shootings.shared import access
from services.shootings.shared.access import Caller

OWNER, MEMBER, STRANGER, ADMIN = (uuid.uuid4() for _ in range(4))
ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4()


@dataclass
class Row:
    owner_id: uuid.UUID | None
    organization_id: uuid.UUID | None


def caller(user, orgs=(), admin=False):
    return Caller(user, admin, frozenset(orgs))


def test_r9_owner_members_and_admins_see_an_organization_shooting():
    row = Row(OWNER, ORG)
    assert access.can_view(caller(OWNER), row)
    assert access.can_view(caller(MEMBER, [ORG]), row)
    assert access.can_view(caller(ADMIN, admin=True), row)
    assert not access.can_view(caller(STRANGER, [OTHER_ORG]), row)


def test_r9_a_stranger_gets_404_not_403():
    with pytest.raises(NotFound):
        access.ensure_visible(caller(STRANGER), Row(OWNER, None), "Shooting")


def test_r8_organization_query_needs_membership():
    with pytest.raises(PermissionDenied):
        access.ensure_organization_scope(caller(STRANGER, [OTHER_ORG]), ORG)
    access.ensure_organization_scope(caller(MEMBER, [ORG]), ORG)


def test_r8_resource_outside_the_named_organization_is_not_found():
    with pytest.raises(NotFound):
        access.ensure_in_scope(Row(OWNER, OTHER_ORG), ORG, "Shooting")


def test_r12_restore_is_admin_only():
    with pytest.raises(PermissionDenied):
        access.ensure_admin(caller(OWNER))
    access.ensure_admin(caller(ADMIN, admin=True))


def test_a43_only_the_owner_transfers():
    with pytest.raises(PermissionDenied):
        access.ensure_owner(caller(MEMBER, [ORG]), Row(OWNER, ORG), "transfer the shooting")
    access.ensure_owner(caller(OWNER), Row(OWNER, ORG), "transfer the shooting")


def test_body_organization_must_be_one_of_the_callers():
    with pytest.raises(Invalid) as caught:
        access.ensure_usable_organization(caller(OWNER, [OTHER_ORG]), ORG, ("organization_id",))
    assert caught.value.violations[0].loc == ("organization_id",)


def test_a45_body_organization_wins_and_a_conflict_is_invalid():
    assert access.resolve_creation_organization(ORG, None) == ORG
    assert access.resolve_creation_organization(None, ORG) == ORG
    assert access.resolve_creation_organization(ORG, ORG) == ORG
    with pytest.raises(Invalid):
        access.resolve_creation_organization(ORG, OTHER_ORG)
