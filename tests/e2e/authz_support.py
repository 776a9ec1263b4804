"""The authorization matrix's world and table (tests/e2e/test_authorization_matrix.py).

:class:`World`: an owner, a member of the owner's organization, a stranger (an ordinary user in
no organization of the owner's, with an organization and a catalog of their own) and the
superuser, plus one of every resource of the public API, built through the API in the owner's
organization.

:data:`ROWS`: one :class:`Row` per authenticated endpoint (method and OpenAPI path) saying who
may call it and how to build a valid request; :data:`PUBLIC`: the endpoints that take no bearer
token, each with the reason. The coverage test fails when an endpoint of the gateway's OpenAPI
document or of the reference's endpoint list has neither.
"""

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


async def _ok(response: httpx.Response, expected: int = 200) -> Any:
    assert response.status_code == expected, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


async def _look(w: World, **extra: Any) -> dict[str, Any]:
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


def _shot_of(look: dict[str, Any], shot_type_id: str) -> str:
    return next(s["id"] for s in look["shots"] if s["shot_type"]["id"] == shot_type_id)


async def _revision(client: httpx.AsyncClient, shot_id: str, status: str = "REVIEW") -> dict[str, Any]:
    images = [{"source_type": "UPLOAD", "image_data": png_data_url((30, 140, 90), (32, 48))}]
    return await post(client, f"/shots/{shot_id}/revision", {"shot_status": status, "images": images})


async def _integration(client: httpx.AsyncClient, **scope: Any) -> dict[str, Any]:
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
    ids["integration_id"] = (await _integration(owner, **scope))["id"]
    shooting = await post(owner, "/shootings/", {"name": "Authz", "due_date": DUE, **scope})
    ids["shooting_id"] = shooting["id"]
    productions = await _ok(await owner.get(f"/shootings/{shooting['id']}/productions"))
    ids["production_id"] = productions["data"][0]["id"]
    look = await _look(w)
    ids["production_request_id"] = look["id"]
    ids["shot_id"] = _shot_of(look, ids["shot_type_id"])
    ids["revision_id"] = (await _revision(owner, ids["shot_id"]))["id"]
    generated = await post(owner, f"/shots/{ids['shot_id']}/generate", {"num_predictions": 1})
    ids["generation_id"] = generated["generation_ids"][0]
    # A look of its own for downloads, exports and the world's outfit proposal, which generation,
    # review and choosing an outfit (E18 and E19 drop the other proposals) never touch.
    export_look = await _look(w)
    ids["export_look_id"] = export_look["id"]
    ids["outfit_id"] = (
        await post(owner, "/outfits/", {"production_request_id": export_look["id"], "outfit_instruction": "Belted"})
    )["id"]
    ids["export_shot_id"] = _shot_of(export_look, ids["shot_type_id"])
    ids["export_revision_id"] = (await _revision(owner, ids["export_shot_id"], "APPROVED"))["id"]
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
    foreign["integration_id"] = (await _integration(stranger, **fscope))["id"]
    # A personal entry of the stranger's too: personal catalogs are as private as organizations'.
    foreign["personal_product_id"] = (await post(stranger, "/products/", {"name": "Mine", "gender": "UNISEX"}))["id"]
    return w


# --- the table ------------------------------------------------------------------------------

Json = Any
Target = dict[str, Any]  # {"params": {...}, "body": ...}: what a fresh resource changes in a request
BodyFn = Callable[[World, ApiUser | None], Json]
FreshFn = Callable[[World], Awaitable[Target]]


@dataclass(frozen=True)
class Row:
    """Who may call ``method path`` and how to build a valid request.

    ``owner``/``member``/``admin``: the expected status for each (None: not asked). The stranger
    is refused with one of ``refused`` and answers exactly as for ids that do not exist (every
    id of the request replaced by a random one). ``fresh`` builds a throwaway target for
    requests that consume it (deletes, restores), once for the refused callers and once per
    caller expected to succeed. ``contains``: a world id the successful answer must show (lists).
    """

    method: str
    path: str
    owner: int | None = 200
    member: int | None = 200
    stranger: int | None = None  # an exact success status when any user may call it
    refused: frozenset[int] = frozenset({403, 404})
    admin: int | None = None
    body: BodyFn | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    params: Callable[[World], dict[str, str]] | None = None
    fresh: FreshFn | None = None
    contains: str | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path.removeprefix(API)}"

    @property
    def any_user(self) -> bool:
        return self.stranger is not None


def owned(method: str, path: str, **kw: Any) -> Row:
    """The owner and members of the resource's organization succeed; a stranger is refused."""
    return Row(method, API + path, **kw)


def owner_only(method: str, path: str, **kw: Any) -> Row:
    """Only the owner of the shooting (R11): a member gets 403."""
    return Row(method, API + path, member=403, **kw)


def admin_only(method: str, path: str, **kw: Any) -> Row:
    """Superusers only: every ordinary user gets 403, whether the target exists or not."""
    kw.setdefault("admin", 200)
    kw.setdefault("refused", frozenset({403}))
    return Row(method, API + path, owner=403, member=403, **kw)


SEEN_OR_NOT = frozenset({403, 404})


def any_user(method: str, path: str, ok: int = 200, **kw: Any) -> Row:
    """Any authenticated user (their own data, or no data at all)."""
    return Row(method, API + path, owner=ok, member=ok, stranger=ok, **kw)


def body(value: Json) -> BodyFn:
    return lambda w, actor: value


def with_ids(make: Callable[[dict[str, str]], Json]) -> BodyFn:
    return lambda w, actor: make(w.ids)


def org_query(w: World) -> dict[str, Any]:
    return w.org


# Fresh targets ------------------------------------------------------------------------------


async def fresh_shooting(w: World, delete: bool = False) -> Target:
    shooting = await post(w.owner.client, "/shootings/", {"name": "Fresh", "due_date": DUE, **w.org})
    if delete:
        await _ok(await w.owner.client.delete(f"/shootings/{shooting['id']}"))
    return {"params": {"shooting_id": shooting["id"]}}


async def fresh_look(w: World, delete: bool = False) -> Target:
    look = await _look(w)
    path = f"/shootings/{w.ids['shooting_id']}/production-requests/{look['id']}"
    if delete:
        await _ok(await w.owner.client.delete(path))
    shot = _shot_of(look, w.ids["shot_type_id"])
    return {"params": {"production_request_id": look["id"], "shot_id": shot}}


async def fresh_production(w: World) -> Target:
    created = await post(w.owner.client, f"/shootings/{w.ids['shooting_id']}/productions", {"kind": "TEST"})
    return {"params": {"production_id": created["id"]}}


def fresh_entry(path: str, param: str, create: Json) -> FreshFn:
    async def make(w: World) -> Target:
        entry = await post(w.owner.client, path, {**create, **w.org})
        return {"params": {param: entry["id"]}}

    return make


async def fresh_revision(w: World) -> Target:
    look = await fresh_look(w)
    revision = await _revision(w.owner.client, look["params"]["shot_id"])
    return {"params": {"revision_id": revision["id"]}}


async def fresh_older_revision(w: World) -> Target:
    """A shot with two revisions: restoring the first drops the second."""
    look = await fresh_look(w)
    first = await _revision(w.owner.client, look["params"]["shot_id"])
    await _revision(w.owner.client, look["params"]["shot_id"])
    return {"params": {"revision_id": first["id"]}}


async def fresh_mapping_body(w: World) -> Target:
    integration = await _integration(w.owner.client, **w.org)
    return {"body": {"integration_id": integration["id"], "external_id": "EXT-NEW"}}


async def fresh_mapping(w: World) -> Target:
    target = await fresh_mapping_body(w)
    mapping = await post(w.owner.client, f"/products/{w.ids['product_id']}/external-mappings", target["body"])
    return {"params": {"mapping_id": mapping["id"]}}


async def fresh_shot_body(w: World) -> Target:
    shot_type = await post(
        w.owner.client, "/shot-types/", {"name": "Extra", "view_angle": "SIDE", "framing": "UPPER_BODY", **w.org}
    )
    return {"body": {"production_request_id": w.ids["production_request_id"], "shot_type_id": shot_type["id"]}}


async def fresh_user(w: World) -> Target:
    """An account created by the admin (no login: each password hash costs CPU time)."""
    made = await new_user_body(w)
    return {"params": {"user_id": (await post(w.admin, "/users/", made["body"]))["id"]}}


async def fresh_fellow(w: World) -> Target:
    """A new member of the owner's organization, to be removed."""
    target = await fresh_user(w)
    await post(w.owner.client, f"/organizations/{w.ids['organization_id']}/members", target["params"])
    return target


async def new_user_body(w: World) -> Target:
    email = f"made-{uuid.uuid4().hex[:12]}@example.com"
    return {"body": {"email": email, "password": f"pw-{uuid.uuid4().hex}"}}


def password_change(w: World, actor: ApiUser | None) -> Json:
    if actor is None:  # anonymous
        return {"current_password": "whatever-it-was", "new_password": "whatever-it-will-be"}
    return {"current_password": actor.password, "new_password": actor.password + "-next"}


def after_password_change(actor: ApiUser) -> None:
    actor.password += "-next"


# Catalog: one block per resource (POST /, GET /, GET /{id}, PATCH /{id}, DELETE /{id}).
CATALOG: list[tuple[str, str, str, Json]] = [
    ("/products/", "product_id", "product_id", {"name": "Entry", "gender": "UNISEX"}),
    ("/subjects/", "subject_id", "subject_id", {"name": "Entry", "gender": "MALE"}),
    ("/shot-types/", "shot_type_id", "shot_type_id", {"name": "Entry", "view_angle": "BACK", "framing": "FULL_BODY"}),
    ("/pose-presets/", "pose_preset_id", "pose_preset_id", None),  # body needs the world's shot type
    ("/set-designs/", "set_design_id", "set_design_id", {"name": "Entry"}),
    ("/styles/", "style_id", "style_id", {"name": "Entry"}),
    ("/background-presets/", "background_preset_id", "background_preset_id", {"name": "Entry"}),
    ("/resolution-presets/", "resolution_preset_id", "resolution_preset_id", {"name": "E", "width": 8, "height": 8}),
    (
        "/generative-workflow-templates/",
        "generative_workflow_template_id",
        "generative_workflow_template_id",
        {"name": "Entry"},
    ),
    ("/guidelines/", "guidelines_id", "guidelines_id", {"name": "Entry"}),
    (
        "/export-configurations/",
        "configuration_id",
        "configuration_id",
        {"name": "Entry", "format": "WEBP", "metadata_adapter": "ovs"},
    ),
    (
        "/external-integrations/",
        "integration_id",
        "integration_id",
        {"name": "Entry", "integration_type": "webhook", "endpoint_url": DEAD_ENDPOINT, "secret": INTEGRATION_SECRET},
    ),
]


def _catalog_rows() -> list[Row]:
    rows: list[Row] = []
    for path, param, key, create in CATALOG:

        def create_body(w: World, actor: ApiUser | None, create: Json = create) -> Json:
            made = create if create is not None else {"name": "Entry", "shot_type_id": w.ids["shot_type_id"]}
            return {**made, **w.org}

        async def make(w: World, path: str = path, param: str = param, create_body: BodyFn = create_body) -> Target:
            entry = await post(w.owner.client, path, create_body(w, None))
            return {"params": {param: entry["id"]}}

        item = f"{path}{{{param}}}"
        rows += [
            # Creating in an organization: a stranger's body names an organization they are not in.
            owned("POST", path, body=create_body, refused=frozenset({403, 422})),
            owned("GET", path, query=org_query, contains=key),
            owned("GET", item),
            owned("PATCH", item, body=body({"name": "Renamed"})),
            owned("DELETE", item, fresh=make),
        ]
    return rows


SHOOTING = "/shootings/{shooting_id}"
LOOK = SHOOTING + "/production-requests/{production_request_id}"
BY_LOOK = "/shootings/production-requests/{production_request_id}"
PRODUCT_IDS = with_ids(lambda ids: {"product_ids": [ids["product_id"]]})
EXPORT_SHOT = lambda w: {"shot_id": w.ids["export_shot_id"]}  # noqa: E731


def _product_set_rows(name: str) -> list[Row]:
    path = f"{SHOOTING}/{name}-products"
    return [
        owned("GET", path, contains="product_id" if name == "main" else None),
        owned("POST", path, body=PRODUCT_IDS),
        owned("DELETE", path, body=PRODUCT_IDS),
        owned("PUT", path, body=PRODUCT_IDS),
    ]


ROWS: list[Row] = [
    # login, users, organizations
    any_user("POST", "/login/test-token"),
    admin_only("GET", "/users/"),
    admin_only("POST", "/users/", fresh=new_user_body),
    any_user("GET", "/users/me"),
    any_user("PATCH", "/users/me", body=body({"full_name": "Renamed"})),
    # Each change costs two password hashes: the stranger and the owner are enough.
    Row("PATCH", API + "/users/me/password", member=None, stranger=200, body=password_change),
    # A user reads themselves; anyone else's account (or none) is 403 alike.
    owned("GET", "/users/{user_id}", member=403, refused=frozenset({403}), admin=200),
    admin_only("PATCH", "/users/{user_id}", body=body({"full_name": "By admin"})),
    admin_only("DELETE", "/users/{user_id}", fresh=fresh_user),
    any_user("GET", "/organizations/", contains="organization_id"),
    any_user("POST", "/organizations/", body=body({"name": "Another"})),
    owned("GET", "/organizations/{organization_id}"),
    owned(
        "POST",
        "/organizations/{organization_id}/members",
        body=lambda w, actor: {"user_id": w.member.id},
    ),
    owned("DELETE", "/organizations/{organization_id}/members/{user_id}", fresh=fresh_fellow),
    # Generation budgets: the organization's members read them, admins set them.
    owned("GET", "/organizations/{organization_id}/generation-quota", contains="organization_id"),
    admin_only("PUT", "/organizations/{organization_id}/generation-quota", body=body({"own_per_hour": 100000})),
    # shootings (E1-E7 and the overview endpoints)
    owned("POST", "/shootings/", body=lambda w, a: {"name": "New", "due_date": DUE, **w.org}, refused=frozenset({422})),
    owned("GET", "/shootings/", query=org_query, contains="shooting_id"),
    owned("GET", "/shootings/summary", query=lambda w: {**w.org, "shooting_id": w.ids["shooting_id"]}),
    owned("GET", SHOOTING, contains="shooting_id"),
    owned("PUT", SHOOTING, body=body({"description": "Put"})),
    owned("PATCH", SHOOTING, body=body({"description": "Patched"})),
    owned("DELETE", SHOOTING, fresh=fresh_shooting),
    owned("GET", SHOOTING + "/header"),
    # Admin only (R12): 403 to those who see the shooting; a stranger gets the 404 of a missing id.
    admin_only("POST", SHOOTING + "/restore", fresh=lambda w: fresh_shooting(w, delete=True), refused=SEEN_OR_NOT),
    # looks (E8-E21)
    owned(
        "POST",
        SHOOTING + "/production-requests",
        body=with_ids(
            lambda ids: {
                "product_ids": [ids["product_id"]],
                "subject_ids": [ids["subject_id"]],
                "shot_type_ids": [ids["shot_type_id"]],
                **SMALL,
            }
        ),
    ),
    owned("GET", SHOOTING + "/production-requests", contains="production_request_id"),
    owned(
        "POST",
        SHOOTING + "/looks",
        body=with_ids(
            lambda ids: {
                "main_product_id": ids["product_id"],
                "subject_id": ids["subject_id"],
                "shot_type_ids": [ids["shot_type_id"]],
            }
        ),
    ),
    owned("GET", SHOOTING + "/production-requests-summary"),
    owned("GET", SHOOTING + "/draft-summary"),
    owned("GET", LOOK, contains="production_request_id"),
    owned("PUT", LOOK, body=body({"readiness": "READY"})),
    owned("PATCH", LOOK, body=body({"readiness": "READY"})),
    owned("DELETE", LOOK, fresh=fresh_look),
    owned("GET", LOOK + "/reusable-outfits"),
    admin_only("POST", LOOK + "/restore", fresh=lambda w: fresh_look(w, delete=True), refused=SEEN_OR_NOT),
    owned("GET", BY_LOOK, contains="production_request_id"),
    owned("POST", BY_LOOK + "/outfit", body=body({"outfit_instruction": "Manual"})),
    # Finalizing drops the look's proposals: on a look of its own, so the world's outfit stays.
    owner_only("POST", BY_LOOK + "/finalize-outfit", body=body({"outfit_instruction": "Final"}), fresh=fresh_look),
    owner_only("POST", BY_LOOK + "/start-generations"),
    owner_only(
        "POST",
        BY_LOOK + "/start-shot-type-generations",
        body=with_ids(lambda ids: {"shot_type_id": ids["shot_type_id"]}),
    ),
    # productions, phase, statuses, product sets (E22-E37)
    owned("POST", SHOOTING + "/productions", body=body({"kind": "TEST"})),
    owned("GET", SHOOTING + "/productions", contains="production_id"),
    owned("GET", SHOOTING + "/productions/{production_id}"),
    owned("PATCH", SHOOTING + "/productions/{production_id}", body=body({"archived": False})),
    owned("DELETE", SHOOTING + "/productions/{production_id}", fresh=fresh_production),
    owned("PATCH", SHOOTING + "/phase", body=body({"phase": "PRODUCTION"})),
    owned("GET", SHOOTING + "/production-request-statuses"),
    any_user("GET", "/shooting-types/"),
    *_product_set_rows("main"),
    *_product_set_rows("sample"),
    # catalog and exports resources
    *_catalog_rows(),
    any_user("GET", "/metadata-adapters/"),
    owned("POST", "/products/{product_id}/external-mappings", fresh=fresh_mapping_body),
    owned("GET", "/products/{product_id}/external-mappings", contains="integration_id"),
    owned("DELETE", "/products/{product_id}/external-mappings/{mapping_id}", fresh=fresh_mapping),
    # outfits
    owned("GET", "/outfits/", query=org_query, contains="outfit_id"),
    owned(
        "POST",
        "/outfits/",
        body=with_ids(lambda ids: {"production_request_id": ids["production_request_id"], "outfit_instruction": "O"}),
        refused=frozenset({403, 404, 422}),
    ),
    owned("GET", "/outfits/{outfit_id}"),
    # shots, revisions, media, exports (E38-E50)
    any_user("GET", "/shots/revisions/upload-url"),
    owned("GET", "/shots/{shot_id}/download", params=EXPORT_SHOT),
    owned(
        "POST", "/shots/revisions/{revision_id}/export", params=lambda w: {"revision_id": w.ids["export_revision_id"]}
    ),
    owned(
        "POST",
        "/shots/production-requests/{production_request_id}/export",
        params=lambda w: {"production_request_id": w.ids["export_look_id"]},
    ),
    owned("POST", "/shots/", fresh=fresh_shot_body, refused=frozenset({403, 404, 422})),
    owned("GET", "/shots/", query=org_query, contains="shot_id"),
    owned("GET", "/shots/{shot_id}"),
    owned("PUT", "/shots/{shot_id}", body=body({"rework_available": 2})),
    owned("PATCH", "/shots/{shot_id}", body=body({"rework_available": 3})),
    owned("DELETE", "/shots/{shot_id}", fresh=fresh_look),
    owned("POST", "/shots/{shot_id}/approve"),
    owned("POST", "/shots/{shot_id}/reject", body=body({"notes": "No"})),
    # Generating is the shooting owner's, as E20/E21 (R11).
    owner_only("POST", "/shots/{shot_id}/generate", body=body({"num_predictions": 1})),
    owned(
        "POST",
        "/shots/{shot_id}/revision",
        body=body(
            {"shot_status": "REVIEW", "images": [{"source_type": "UPLOAD", "image_data": png_data_url((9, 9, 9))}]}
        ),
    ),
    owned("GET", "/shots/revisions/{revision_id}"),
    owned("DELETE", "/shots/revisions/{revision_id}", owner=204, member=204, fresh=fresh_revision),
    owned("POST", "/shots/revisions/{revision_id}/set-current"),
    owned("POST", "/shots/revisions/{revision_id}/restore", fresh=fresh_older_revision),
    owned("GET", "/generations/{generation_id}"),
    owned("GET", "/generations/", query=lambda w: {"shot_id": w.ids["shot_id"]}, contains="generation_id"),
    any_user("GET", "/utils/system-health-check"),
]

# Endpoints that take no bearer token, by design.
PUBLIC: dict[str, str] = {
    "POST /login/access-token": "the login itself: trades email and password for a token",
    "POST /external-integrations/{integration_id}/callback": "authenticated by the integration's HMAC signature",
    "PUT /media/{key}": "a signed upload URL: the signature authorises the PUT (403 when forged)",
    "GET /media/{key}": "a signed media URL: the signature authorises the read (403 when forged)",
    "GET /utils/health-check/": "load-balancer probe, answers true/false only",
    "GET /schema": "documentation: the JSON schema of the live socket's messages",
}


def normalized(response: httpx.Response) -> tuple[int, str]:
    """Status and body with every id masked: answers for different ids compare equal."""
    return response.status_code, UUID_RE.sub("<id>", response.text)
