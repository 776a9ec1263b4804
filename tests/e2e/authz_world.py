"""The authorization matrix's world (tests/e2e/test_authorization_matrix.py): an owner, a member
of the owner's organization, a stranger (an ordinary user in no organization of the owner's, with
an organization and a catalog of their own) and the superuser, plus one of every resource of the
public API, built through the API in the owner's organization."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.brief import DUE, post
from tests.e2e.shots_support import png_data_url
from tests.support.stack import ApiUser

API = "/api/v1"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Never sent anywhere: pushes to it fail at once (connection refused) and settle FAILED.
DEAD_ENDPOINT = "http://127.0.0.1:9/receiver"
INTEGRATION_SECRET = "authz-integration-secret-0123456789"
SMALL = {"default_width": 64, "default_height": 96}


@dataclass
class World:
    admin: httpx.AsyncClient
    owner: ApiUser
    member: ApiUser
    stranger: ApiUser
    ids: dict[str, str] = field(default_factory=dict)
    # The stranger's own resources, referenced from the owner's requests (422 expected).
    foreign: dict[str, str] = field(default_factory=dict)

    @property
    def org(self) -> dict[str, str]:
        return {"organization_id": self.ids["organization_id"]}


async def expect_status(response: httpx.Response, expected: int = 200) -> Any:
    assert response.status_code == expected, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


async def new_look(w: World, **extra: Any) -> dict[str, Any]:
    """A new look of the world's shooting (front and detail shots)."""
    created = await post(
        w.owner.client,
        f"/shootings/{w.ids['shooting_id']}/production-requests",
        {
            "product_ids": [w.ids["product_id"]],
            "subject_ids": [w.ids["subject_id"]],
            "shot_type_ids": [w.ids["shot_type_id"], w.ids["detail_shot_type_id"]],
            **SMALL,
            **extra,
        },
    )
    return created["production_requests"][0]  # type: ignore[no-any-return]


def shot_of(look: dict[str, Any], shot_type_id: str) -> str:
    return next(s["id"] for s in look["shots"] if s["shot_type"]["id"] == shot_type_id)


async def new_revision(client: httpx.AsyncClient, shot_id: str, status: str = "REVIEW") -> dict[str, Any]:
    images = [{"source_type": "UPLOAD", "image_data": png_data_url((30, 140, 90), (32, 48))}]
    return await post(client, f"/shots/{shot_id}/revision", {"shot_status": status, "images": images})


async def new_integration(client: httpx.AsyncClient, **scope: Any) -> dict[str, Any]:
    body = {
        "name": "Shop",
        "integration_type": "webhook",
        "endpoint_url": DEAD_ENDPOINT,
        "secret": INTEGRATION_SECRET,
        **scope,
    }
    return await post(client, "/external-integrations/", body)


async def build_world(w: World) -> World:
    owner, stranger, ids = w.owner.client, w.stranger.client, w.ids
    organization = await post(owner, "/organizations/", {"name": "Owner's brand"})
    ids["organization_id"] = organization["id"]
    await post(owner, f"/organizations/{organization['id']}/members", {"user_id": w.member.id})
    ids["user_id"] = w.owner.id
    scope = w.org
    for key, view, framing in (("shot_type_id", "FRONT", "FULL_BODY"), ("detail_shot_type_id", "FRONT", "DETAIL")):
        ids[key] = (await post(owner, "/shot-types/", {"name": key, "view_angle": view, "framing": framing, **scope}))[
            "id"
        ]
    base_images = [{"shot_type_id": ids["shot_type_id"], "image_url": png_data_url((200, 120, 90), (32, 48))}]
    ids["subject_id"] = (
        await post(owner, "/subjects/", {"name": "Ada", "gender": "FEMALE", "base_images": base_images, **scope})
    )["id"]
    tag = uuid.uuid4().hex[:6]
    ids["product_id"] = (
        await post(owner, "/products/", {"name": f"Coat {tag}", "sku": f"AUTHZ-{tag}", "gender": "FEMALE", **scope})
    )["id"]
    for key, path, body in (
        ("pose_preset_id", "/pose-presets/", {"name": "Pose", "shot_type_id": ids["shot_type_id"]}),
        ("set_design_id", "/set-designs/", {"name": "Set"}),
        ("style_id", "/styles/", {"name": "Style"}),
        ("background_preset_id", "/background-presets/", {"name": "White"}),
        ("resolution_preset_id", "/resolution-presets/", {"name": "Small", "width": 64, "height": 96}),
        ("generative_workflow_template_id", "/generative-workflow-templates/", {"name": "Flow"}),
        ("guidelines_id", "/guidelines/", {"name": "Guidelines"}),
        (
            "configuration_id",
            "/export-configurations/",
            {"name": "Jpeg", "format": "JPEG", "metadata_adapter": "default"},
        ),
    ):
        ids[key] = (await post(owner, path, {**body, **scope}))["id"]
    ids["integration_id"] = (await new_integration(owner, **scope))["id"]
    shooting = await post(owner, "/shootings/", {"name": "Authz", "due_date": DUE, **scope})
    ids["shooting_id"] = shooting["id"]
    productions = await expect_status(await owner.get(f"/shootings/{shooting['id']}/productions"))
    ids["production_id"] = productions["data"][0]["id"]
    look = await new_look(w)
    ids["production_request_id"] = look["id"]
    ids["shot_id"] = shot_of(look, ids["shot_type_id"])
    ids["revision_id"] = (await new_revision(owner, ids["shot_id"]))["id"]
    generated = await post(owner, f"/shots/{ids['shot_id']}/generate", {"num_predictions": 1})
    ids["generation_id"] = generated["generation_ids"][0]
    # A look of its own for downloads, exports and the world's outfit proposal, which generation,
    # review and choosing an outfit (E18 and E19 drop the other proposals) never touch.
    export_look = await new_look(w)
    ids["export_look_id"] = export_look["id"]
    ids["outfit_id"] = (
        await post(owner, "/outfits/", {"production_request_id": export_look["id"], "outfit_instruction": "Belted"})
    )["id"]
    ids["export_shot_id"] = shot_of(export_look, ids["shot_type_id"])
    ids["export_revision_id"] = (await new_revision(owner, ids["export_shot_id"], "APPROVED"))["id"]
    await post(owner, f"/shootings/{shooting['id']}/main-products", {"product_ids": [ids["product_id"]]})
    await post(
        owner,
        f"/products/{ids['product_id']}/external-mappings",
        {"integration_id": ids["integration_id"], "external_id": "EXT-AUTHZ"},
    )

    # The stranger's own organization and catalog, for references across organizations.
    foreign = w.foreign
    foreign["organization_id"] = (await post(stranger, "/organizations/", {"name": "Stranger's brand"}))["id"]
    fscope = {"organization_id": foreign["organization_id"]}
    foreign["product_id"] = (await post(stranger, "/products/", {"name": "Foreign", "gender": "UNISEX", **fscope}))[
        "id"
    ]
    foreign["subject_id"] = (await post(stranger, "/subjects/", {"name": "Foreign", "gender": "FEMALE", **fscope}))[
        "id"
    ]
    foreign["shot_type_id"] = (
        await post(stranger, "/shot-types/", {"name": "Foreign", "view_angle": "FRONT", "framing": "DETAIL", **fscope})
    )["id"]
    for key, path, body in (
        ("style_id", "/styles/", {"name": "Foreign"}),
        ("generative_workflow_template_id", "/generative-workflow-templates/", {"name": "Foreign"}),
        ("guidelines_id", "/guidelines/", {"name": "Foreign"}),
        ("set_design_id", "/set-designs/", {"name": "Foreign"}),
        ("configuration_id", "/export-configurations/", {"name": "F", "format": "PNG", "metadata_adapter": "default"}),
    ):
        foreign[key] = (await post(stranger, path, {**body, **fscope}))["id"]
    foreign["integration_id"] = (await new_integration(stranger, **fscope))["id"]
    # A personal entry of the stranger's too: personal catalogs are as private as organizations'.
    foreign["personal_product_id"] = (await post(stranger, "/products/", {"name": "Mine", "gender": "UNISEX"}))["id"]
    return w


Json = Any
Target = dict[str, Any]  # {"params": {...}, "body": ...}: what a fresh resource changes in a request
BodyFn = Callable[[World, ApiUser | None], Json]
FreshFn = Callable[[World], Awaitable[Target]]
