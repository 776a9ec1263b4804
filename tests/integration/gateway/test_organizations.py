"""Organizations: creation, visibility (members and admins; 404 for others), membership rules,
and the principal that carries memberships to the services."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from google.protobuf.json_format import MessageToDict

from gateway.deps import PrincipalDep
from tests.integration.gateway.conftest import Account, NewUser

pytestmark = pytest.mark.timeout(120)


async def create_organization(client: httpx.AsyncClient, owner: Account, name: str = "Acme") -> dict:
    response = await client.post("/organizations/", json={"name": name}, headers=owner.headers)
    assert response.status_code == 200, response.text
    return response.json()


def member_ids(organization: dict) -> list[str]:
    return [m["user_id"] for m in organization["members"]]


async def test_creator_becomes_the_first_member(client: httpx.AsyncClient, new_user: NewUser) -> None:
    owner = await new_user(full_name="Owner")
    organization = await create_organization(client, owner, "  Acme Studio  ")
    assert organization["name"] == "Acme Studio"
    assert organization["members"] == [
        {
            "user_id": owner.id,
            "email": owner.email,
            "full_name": "Owner",
            "joined_at": organization["members"][0]["joined_at"],
        }
    ]


async def test_blank_names_are_422(client: httpx.AsyncClient, new_user: NewUser) -> None:
    owner = await new_user()
    response = await client.post("/organizations/", json={"name": "   "}, headers=owner.headers)
    assert response.status_code == 422


async def test_list_shows_only_the_callers_organizations(client: httpx.AsyncClient, new_user: NewUser) -> None:
    alice, bob = await new_user(), await new_user()
    first = await create_organization(client, alice, "First")
    second = await create_organization(client, alice, "Second")
    await create_organization(client, bob, "Bob's")

    mine = (await client.get("/organizations/", headers=alice.headers)).json()
    assert mine["count"] == 2
    assert [o["id"] for o in mine["data"]] == [first["id"], second["id"]]
    assert "members" not in mine["data"][0]
    page = (await client.get("/organizations/", params={"skip": 1, "limit": 1}, headers=alice.headers)).json()
    assert (page["count"], [o["id"] for o in page["data"]]) == (2, [second["id"]])
    assert (await client.get("/organizations/", params={"limit": 1001}, headers=alice.headers)).status_code == 422


async def test_only_members_and_admins_see_an_organization(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    owner, outsider = await new_user(), await new_user()
    organization = await create_organization(client, owner)
    path = f"/organizations/{organization['id']}"

    assert (await client.get(path, headers=owner.headers)).json() == organization
    assert (await client.get(path, headers=admin_headers)).status_code == 200
    hidden = await client.get(path, headers=outsider.headers)
    missing = await client.get(f"/organizations/{uuid.uuid4()}", headers=owner.headers)
    assert (hidden.status_code, hidden.json()) == (404, {"detail": "Organization not found"})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Organization not found"})


async def test_any_member_adds_members_idempotently(client: httpx.AsyncClient, new_user: NewUser) -> None:
    owner, colleague, newcomer = await new_user(), await new_user(), await new_user()
    organization = await create_organization(client, owner)
    members_path = f"/organizations/{organization['id']}/members"

    added = await client.post(members_path, json={"user_id": colleague.id}, headers=owner.headers)
    assert (added.status_code, member_ids(added.json())) == (200, [owner.id, colleague.id])
    again = await client.post(members_path, json={"user_id": colleague.id}, headers=owner.headers)
    assert (again.status_code, member_ids(again.json())) == (200, [owner.id, colleague.id])

    by_colleague = await client.post(members_path, json={"user_id": newcomer.id}, headers=colleague.headers)
    assert member_ids(by_colleague.json()) == [owner.id, colleague.id, newcomer.id]
    assert (await client.get(f"/organizations/{organization['id']}", headers=newcomer.headers)).status_code == 200


async def test_admin_adds_members_without_being_one(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    owner, colleague = await new_user(), await new_user()
    organization = await create_organization(client, owner)
    response = await client.post(
        f"/organizations/{organization['id']}/members", json={"user_id": colleague.id}, headers=admin_headers
    )
    assert member_ids(response.json()) == [owner.id, colleague.id]


async def test_adding_unknown_or_inactive_users_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    owner, inactive = await new_user(), await new_user()
    await client.patch(f"/users/{inactive.id}", json={"is_active": False}, headers=admin_headers)
    organization = await create_organization(client, owner)
    for user_id in (str(uuid.uuid4()), inactive.id):
        response = await client.post(
            f"/organizations/{organization['id']}/members", json={"user_id": user_id}, headers=owner.headers
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "user_id"]


async def test_outsiders_cannot_touch_members(client: httpx.AsyncClient, new_user: NewUser) -> None:
    owner, outsider = await new_user(), await new_user()
    organization = await create_organization(client, owner)
    base = f"/organizations/{organization['id']}/members"
    joined = await client.post(base, json={"user_id": outsider.id}, headers=outsider.headers)
    removed = await client.delete(f"{base}/{owner.id}", headers=outsider.headers)
    assert (joined.status_code, removed.status_code) == (404, 404)
    assert member_ids((await client.get(f"/organizations/{organization['id']}", headers=owner.headers)).json()) == [
        owner.id
    ]


async def test_removing_members(client: httpx.AsyncClient, new_user: NewUser) -> None:
    owner, colleague, stranger = await new_user(), await new_user(), await new_user()
    organization = await create_organization(client, owner)
    base = f"/organizations/{organization['id']}/members"
    await client.post(base, json={"user_id": colleague.id}, headers=owner.headers)

    not_member = await client.delete(f"{base}/{stranger.id}", headers=owner.headers)
    assert (not_member.status_code, not_member.json()) == (404, {"detail": "Member not found"})

    removed = await client.delete(f"{base}/{owner.id}", headers=colleague.headers)
    assert (removed.status_code, removed.json()) == (200, {"message": "Member removed"})
    assert (await client.get(f"/organizations/{organization['id']}", headers=owner.headers)).status_code == 404

    last = await client.delete(f"{base}/{colleague.id}", headers=colleague.headers)
    assert last.status_code == 409
    assert member_ids((await client.get(f"/organizations/{organization['id']}", headers=colleague.headers)).json()) == [
        colleague.id
    ]


@pytest.fixture
def principal_probe(app: FastAPI) -> str:
    """A test-only route that echoes the principal the gateway would send to services."""

    @app.get("/test/principal")
    async def principal(value: PrincipalDep) -> dict:
        return MessageToDict(value, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)

    return "http://gateway.test/test/principal"


async def test_principal_carries_identity_and_memberships(
    client: httpx.AsyncClient, new_user: NewUser, principal_probe: str
) -> None:
    member = await new_user()
    before = (await client.get(principal_probe, headers=member.headers)).json()
    assert before == {"user_id": member.id, "is_superuser": False, "organization_ids": [], "email": member.email}

    first = await create_organization(client, member, "One")
    second = await create_organization(client, member, "Two")
    after = (await client.get(principal_probe, headers=member.headers)).json()
    assert sorted(after["organization_ids"]) == sorted([first["id"], second["id"]])
    assert (await client.get(principal_probe)).status_code == 401
