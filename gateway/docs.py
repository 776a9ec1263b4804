"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with their
JavaScript and CSS from the platform itself, and the operation ids of the OpenAPI document.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine without internet (or
behind a corporate proxy) they stay blank. The assets come from the pinned ``fastapi-offline``
package (Swagger UI 5, which reads OpenAPI 3.1, and the ReDoc standalone bundle) and are served
under ``/docs/assets``, so the pages, their assets and ``/openapi.json`` all travel through the
same edge routes. Nothing on either page asks another host for anything: no web fonts, no
favicon from elsewhere, no online validator badge, and a Content Security Policy keeps the
browser from fetching anything else.

Operation ids are the snake_case of each route's summary (``Approve Shot`` -> ``approve_shot``)
instead of FastAPI's path-derived ids (``review_api_v1_shots__shot_id__approve_post``), so
generated clients get names people write (``approveShot`` in the TypeScript client).
"""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
OAUTH2_REDIRECT_PATH = f"{DOCS_PATH}/oauth2-redirect"
ASSETS_PATH = f"{DOCS_PATH}/assets"
# Swagger UI would otherwise ask validator.swagger.io to vet the document.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None, "persistAuthorization": True}
# Both pages may load only from this origin. ReDoc's sidebar shows a logo <img> from its vendor's
# CDN, which no option turns off: the policy stops the browser from ever requesting it (the page
# hides a logo that fails to load). Inline script and styles are how FastAPI's page starts Swagger
# UI and how ReDoc styles itself; ReDoc's search runs in a blob: worker.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def assets_dir() -> Path:
    """Where the installed ``fastapi-offline`` keeps swagger-ui-bundle.js, swagger-ui.css,
    redoc.standalone.js and favicon.png."""
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


def operation_id(route: APIRoute) -> str:
    """``Update Shooting (partial)`` -> ``update_shooting_partial``; summaries are unique across
    the surface (a unit test keeps them so)."""
    title = route.summary or route.name.replace("_", " ")
    return re.sub(r"[^0-9a-z]+", "_", title.lower()).strip("_")


def same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def mount(app: FastAPI) -> None:
    """``/docs``, its OAuth2 redirect, ``/redoc`` and the assets they load. The app must be
    built with ``docs_url=None, redoc_url=None`` so FastAPI's CDN pages are not mounted."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    def under_root(request: Request, path: str) -> str:
        """``path`` behind the prefix the app is mounted at (none through Envoy)."""
        return request.scope.get("root_path", "") + path

    async def swagger_ui(request: Request) -> HTMLResponse:
        assets = under_root(request, ASSETS_PATH)
        return same_origin_only(
            get_swagger_ui_html(
                openapi_url=under_root(request, openapi_url),
                title=f"{title} - Swagger UI",
                swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                swagger_css_url=f"{assets}/swagger-ui.css",
                swagger_favicon_url=f"{assets}/favicon.png",
                oauth2_redirect_url=under_root(request, OAUTH2_REDIRECT_PATH),
                swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
            )
        )

    async def oauth2_redirect(_: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        return same_origin_only(
            get_redoc_html(
                title=f"{title} - ReDoc",
                redoc_js_url=under_root(request, f"{ASSETS_PATH}/redoc.standalone.js"),
                redoc_favicon_url=under_root(request, f"{ASSETS_PATH}/favicon.png"),
                openapi_url=under_root(request, openapi_url),
                with_google_fonts=False,
            )
        )

    app.mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="docs-assets")
    app.add_route(DOCS_PATH, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_PATH, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_PATH, redoc, include_in_schema=False)
