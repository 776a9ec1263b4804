"""A member of many organizations. Every call to a service carries its caller's memberships (the
signed principal), so the gateway caps them (``gateway.repository.organizations``) and
every service accepts a call from a user at the cap. Before, gRPC's default metadata limit refused
every call of a member of about 150 organizations (RESOURCE_EXHAUSTED, answered 429): fuzzing
``POST /organizations/`` locked the fuzzing user out of the platform.

A user joins the most organizations allowed (the last places raced for by several creations at
once: exactly as many succeed as there were places), then reads and writes in the last one through
three services; one more organization, created or joined, is a 409 that changes nothing, and adding an
existing member stays harmless at the cap.
"""

from __future__ import annotations

import asyncio

from gateway.repository.organizations import MAX_ORGANIZATIONS_PER_USER
from tests.e2e.brief import post
from tests.e2e.conftest import NewUser

DUE = "2027-03-01T10:00:00Z"
# Organizations created at once (the cap is reached in a few seconds, without flooding the stack).
IN_FLIGHT = 8


async def test_a_member_of_the_most_organizations_reaches_every_service_and_no_more(new_user: NewUser) -> None:
    user, other = await new_user(), await new_user()
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def organization(index: int) -> str:
        async with gate:
            return str((await post(user.client, "/organizations/", {"name": f"Brand {index}"}))["id"])

    left = 2  # places left when the race below starts
    joined = await asyncio.gather(*(organization(i) for i in range(MAX_ORGANIZATIONS_PER_USER - left)))
    # IN_FLIGHT creations at once for the last places: the user's row lock lets exactly that many in.
    raced = await asyncio.gather(
        *(user.client.post("/organizations/", json={"name": f"Race {i}"}) for i in range(IN_FLIGHT))
    )
    assert sorted(r.status_code for r in raced) == [200] * left + [409] * (IN_FLIGHT - left)
    joined += [str(r.json()["id"]) for r in raced if r.status_code == 200]
    last = joined[-1]
    assert (await user.client.get("/organizations/", params={"limit": 1})).json()["count"] == MAX_ORGANIZATIONS_PER_USER

    shooting = await post(user.client, "/shootings/", {"name": "At the cap", "due_date": DUE, "organization_id": last})
    assert shooting["organization_id"] == last
    listed = await user.client.get("/shootings/", params={"organization_id": last})
    assert listed.status_code == 200 and [s["id"] for s in listed.json()["data"]] == [shooting["id"]]
    header = await user.client.get(f"/shootings/{shooting['id']}/header")
    assert header.status_code == 200, header.text
    shots = await user.client.get("/shots/", params={"shooting_id": shooting["id"]})  # the shots service
    assert shots.status_code == 200 and shots.json()["count"] == 0, shots.text
    configurations = await user.client.get("/export-configurations/")  # the exports service
    assert configurations.status_code == 200, configurations.text

    refused = await user.client.post("/organizations/", json={"name": "One too many"})
    assert refused.status_code == 409, refused.text
    assert str(MAX_ORGANIZATIONS_PER_USER) in refused.json()["detail"]
    assert (await user.client.get("/organizations/", params={"limit": 1})).json()["count"] == MAX_ORGANIZATIONS_PER_USER

    elsewhere = await post(other.client, "/organizations/", {"name": "Elsewhere"})
    invited = await other.client.post(f"/organizations/{elsewhere['id']}/members", json={"user_id": user.id})
    assert invited.status_code == 409, invited.text
    members = (await other.client.get(f"/organizations/{elsewhere['id']}")).json()["members"]
    assert [m["user_id"] for m in members] == [other.id]

    again = await user.client.post(f"/organizations/{last}/members", json={"user_id": user.id})
    assert again.status_code == 200 and [m["user_id"] for m in again.json()["members"]] == [user.id]
