"""The authorization matrix's table (tests/e2e/test_authorization_matrix.py); the world it runs
against is :mod:`tests.e2e.authz_world`.

:data:`ROWS`: one :class:`Row` per authenticated endpoint (method and OpenAPI path) saying who
may call it and how to build a valid request; :data:`PUBLIC`: the endpoints that take no bearer
token, each with the reason. The coverage test fails when an endpoint of the gateway's OpenAPI
document or of the reference's endpoint list has neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.authz_targets import (
    fresh_fellow,
    fresh_look,
    fresh_mapping,
    fresh_mapping_body,
    fresh_older_revision,
    fresh_production,
    fresh_revision,
    fresh_shooting,
    fresh_shot_body,
    fresh_user,
    new_user_body,
)
from tests.e2e.authz_world import (
    API,
    DEAD_ENDPOINT,
    INTEGRATION_SECRET,
    SMALL,
    UUID_RE,
    BodyFn,
    FreshFn,
    Json,
    Target,
    World,
    build_world,
)
from tests.e2e.brief import DUE, post
from tests.e2e.shots_support import png_data_url
from tests.support.stack import ApiUser

__all__ = ["API", "INTEGRATION_SECRET", "UUID_RE", "World", "build_world"]

# --- the table ------------------------------------------------------------------------------


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
