"""Configurations, integrations and mappings are scoped like catalog entries (README "Exports"):
visible to the owner, the organization's members and admins; usable from an object's scope when
they are the scope organization's or the caller's personal ones, never another organization's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from platformkit.errors import Invalid, NotFound, PermissionDenied
from platformkit.principal import Caller
from services.exports.domain import access

ME, OTHER, ORG, FOREIGN = (uuid.uuid4() for _ in range(4))
CALLER = Caller(ME, False, frozenset({ORG}))
ADMIN = Caller(OTHER, True, frozenset())


@dataclass(frozen=True)
class Row:
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None = None


def test_who_sees_a_row() -> None:
    assert access.can_see(CALLER, Row(ME)) and access.can_see(CALLER, Row(OTHER, ORG))
    assert not access.can_see(CALLER, Row(OTHER)) and not access.can_see(CALLER, Row(OTHER, FOREIGN))
    assert access.can_see(ADMIN, Row(ME, FOREIGN))
    with pytest.raises(NotFound, match="Thing not found"):
        access.visible(CALLER, Row(OTHER), "Thing")


def test_r27_rule_references_stay_within_the_scope() -> None:
    assert access.usable_in_scope(CALLER, Row(OTHER, ORG), ORG)
    assert not access.usable_in_scope(CALLER, Row(OTHER, ORG), None)  # an organization's row, personal object
    assert not access.usable_in_scope(CALLER, Row(ME, FOREIGN), FOREIGN)  # not a member
    assert access.usable_in_scope(CALLER, Row(ME), ORG) and access.usable_in_scope(CALLER, Row(ME), None)
    assert not access.usable_in_scope(CALLER, Row(OTHER), None)


def test_lists_and_creations_need_membership() -> None:
    access.list_scope(CALLER, ORG)
    with pytest.raises(PermissionDenied):
        access.list_scope(CALLER, FOREIGN)
    assert access.creation_organization(CALLER, None, ORG, ("organization_id",)) == ORG
    for body, query in ((FOREIGN, None), (ORG, FOREIGN)):
        with pytest.raises(Invalid):
            access.creation_organization(CALLER, body, query, ("organization_id",))
