"""Users: admin CRUD, duplicate emails, the caller's own profile, pagination limits."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.gateway.conftest import ADMIN_EMAIL, USER_PASSWORD, NewUser, login

pytestmark = pytest.mark.timeout(120)

PUBLIC_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "email",
    "full_name",
    "is_active",
    "is_superuser",
    "rework_available",
    "export_configuration_id",
    "role",
}


async def test_admin_creates_a_user_with_the_public_shape(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = {"email": "Jane.Doe@Example.com", "password": USER_PASSWORD, "full_name": "Jane Doe"}
    response = await client.post("/users/", json=body, headers=admin_headers)
    assert response.status_code == 200
    user = response.json()
    assert set(user) == PUBLIC_FIELDS
    assert user["email"] == "jane.doe@example.com"
    assert (user["full_name"], user["is_active"], user["is_superuser"], user["rework_available"]) == (
        "Jane Doe",
        True,
        False,
        False,
    )
    assert user["role"]["name"] == "USER"
    assert set(user["role"]) == {"id", "name", "description"}
    assert (await login(client, "jane.doe@example.com", USER_PASSWORD))["Authorization"].startswith("Bearer ")


@pytest.mark.parametrize("email", ["twin@example.com", "TWIN@example.com"])
async def test_duplicate_email_is_409(client: httpx.AsyncClient, admin_headers: dict[str, str], email: str) -> None:
    first = await client.post(
        "/users/", json={"email": "twin@example.com", "password": USER_PASSWORD}, headers=admin_headers
    )
    assert first.status_code == 200
    second = await client.post("/users/", json={"email": email, "password": USER_PASSWORD}, headers=admin_headers)
    assert second.status_code == 409
    assert "already exists" in second.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{"email": "not-an-email", "password": USER_PASSWORD}, {"email": "short@example.com", "password": "short"}],
)
async def test_invalid_user_bodies_are_standard_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, str]
) -> None:
    response = await client.post("/users/", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


async def test_non_admins_cannot_manage_users(client: httpx.AsyncClient, new_user: NewUser) -> None:
    account, other = await new_user(), await new_user()
    attempts = [
        client.post("/users/", json={"email": "x@example.com", "password": USER_PASSWORD}, headers=account.headers),
        client.get(f"/users/{other.id}", headers=account.headers),
        client.patch(f"/users/{other.id}", json={"full_name": "x"}, headers=account.headers),
        client.delete(f"/users/{other.id}", headers=account.headers),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 403
        assert response.json() == {"detail": "Not enough permissions"}


async def test_list_users_pages_and_counts(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    for _ in range(3):
        await new_user()
    everyone = (await client.get("/users/", headers=admin_headers)).json()
    assert everyone["count"] == 4 == len(everyone["data"])
    assert everyone["data"][0]["email"] == ADMIN_EMAIL  # oldest first

    page = (await client.get("/users/", params={"skip": 1, "limit": 2}, headers=admin_headers)).json()
    assert page["count"] == 4
    assert [u["id"] for u in page["data"]] == [u["id"] for u in everyone["data"][1:3]]
    assert (await client.get("/users/", params={"limit": 1000}, headers=admin_headers)).status_code == 200


@pytest.mark.parametrize(("params", "loc"), [({"limit": 1001}, "limit"), ({"skip": -1}, "skip")])
async def test_page_bounds_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], params: dict[str, int], loc: str
) -> None:
    response = await client.get("/users/", params=params, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", loc]


async def test_me_reads_and_updates_the_caller(client: httpx.AsyncClient, new_user: NewUser) -> None:
    account = await new_user(full_name="Before")
    me = await client.get("/users/me", headers=account.headers)
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["full_name"]) == (account.id, "Before")

    changes = {
        "full_name": "After",
        "email": "Renamed@Example.com",
        # Clearing needs no exports service (setting one is resolved there: tests/e2e/test_exports.py).
        "export_configuration_id": None,
        "is_superuser": True,  # not a field users may set: ignored
    }
    updated = await client.patch("/users/me", json=changes, headers=account.headers)
    assert updated.status_code == 200
    body = updated.json()
    assert (body["full_name"], body["email"], body["export_configuration_id"]) == (
        "After",
        "renamed@example.com",
        None,
    )
    assert body["is_superuser"] is False
    assert body["updated_at"] > me.json()["updated_at"]
    assert (await client.get("/users/me", headers=account.headers)).json()["email"] == "renamed@example.com"


async def test_me_patch_keeps_absent_fields_and_rejects_bad_ones(client: httpx.AsyncClient, new_user: NewUser) -> None:
    account, other = await new_user(full_name="Keep me"), await new_user()
    assert (await client.patch("/users/me", json={}, headers=account.headers)).json()["full_name"] == "Keep me"

    taken = await client.patch("/users/me", json={"email": other.email}, headers=account.headers)
    assert taken.status_code == 409
    null_email = await client.patch("/users/me", json={"email": None}, headers=account.headers)
    assert null_email.status_code == 422
    assert null_email.json()["detail"][0]["loc"] == ["body", "email"]
    own_email = await client.patch("/users/me", json={"email": account.email}, headers=account.headers)
    assert own_email.status_code == 200


async def test_password_change_needs_the_current_password(client: httpx.AsyncClient, new_user: NewUser) -> None:
    account = await new_user()
    wrong = await client.patch(
        "/users/me/password",
        json={"current_password": "not-my-password", "new_password": "brand-new-password"},
        headers=account.headers,
    )
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "Incorrect password"})
    same = await client.patch(
        "/users/me/password",
        json={"current_password": USER_PASSWORD, "new_password": USER_PASSWORD},
        headers=account.headers,
    )
    assert same.status_code == 400

    changed = await client.patch(
        "/users/me/password",
        json={"current_password": USER_PASSWORD, "new_password": "brand-new-password"},
        headers=account.headers,
    )
    assert changed.status_code == 200
    old = await client.post("/login/access-token", data={"username": account.email, "password": USER_PASSWORD})
    assert old.status_code == 401
    await login(client, account.email, "brand-new-password")


async def test_admin_reads_updates_and_deletes_a_user(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    account = await new_user()
    read = await client.get(f"/users/{account.id}", headers=admin_headers)
    assert (read.status_code, read.json()["email"]) == (200, account.email)
    assert (await client.get(f"/users/{account.id}", headers=account.headers)).status_code == 200  # oneself

    promoted = await client.patch(
        f"/users/{account.id}",
        json={"is_superuser": True, "rework_available": True, "password": "set-by-the-admin"},
        headers=admin_headers,
    )
    assert promoted.status_code == 200
    assert (promoted.json()["role"]["name"], promoted.json()["rework_available"]) == ("ADMIN", True)
    await login(client, account.email, "set-by-the-admin")

    deleted = await client.delete(f"/users/{account.id}", headers=admin_headers)
    assert (deleted.status_code, deleted.json()) == (200, {"message": "User deleted successfully"})
    assert (await client.get(f"/users/{account.id}", headers=admin_headers)).status_code == 404


async def test_admin_email_change_checks_duplicates(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    account, other = await new_user(), await new_user()
    response = await client.patch(f"/users/{account.id}", json={"email": other.email}, headers=admin_headers)
    assert response.status_code == 409


async def test_unknown_user_ids_are_404(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    missing = uuid.uuid4()
    for response in [
        await client.get(f"/users/{missing}", headers=admin_headers),
        await client.patch(f"/users/{missing}", json={"full_name": "x"}, headers=admin_headers),
        await client.delete(f"/users/{missing}", headers=admin_headers),
    ]:
        assert (response.status_code, response.json()) == (404, {"detail": "User not found"})


async def test_admin_cannot_delete_themselves(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    me = (await client.get("/users/me", headers=admin_headers)).json()
    response = await client.delete(f"/users/{me['id']}", headers=admin_headers)
    assert response.status_code == 403
    assert (await client.get("/users/me", headers=admin_headers)).status_code == 200
