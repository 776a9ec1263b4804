"""The routers mounted under ``/api/v1``, one module per public resource; add new ones here."""

from fastapi import APIRouter

from gateway.routes import (
    catalog,
    exports,
    generation_quotas,
    generations,
    guidelines,
    integrations,
    live,
    login,
    look_reads,
    looks,
    media,
    organizations,
    outfits,
    productions,
    shooting_products,
    shootings,
    shot_exports,
    shots,
    users,
    utils,
)

ROUTERS: list[APIRouter] = [
    login.router,
    users.router,
    organizations.router,
    generation_quotas.router,
    # Literal paths (/shootings/summary, /shootings/production-requests/...) before /shootings/{id}.
    looks.router,
    generations.looks_router,
    look_reads.router,
    outfits.router,
    shootings.router,
    guidelines.router,
    productions.router,
    shooting_products.router,
    catalog.router,
    exports.router,
    integrations.router,
    outfits.overview,
    # /shots/revisions/upload-url before /shots/revisions/{revision_id}.
    media.router,
    shot_exports.router,
    shots.router,
    generations.router,
    utils.router,
    live.router,
]
