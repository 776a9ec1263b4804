"""The routers mounted under ``/api/v1``, one module per public resource; add new ones here."""

from fastapi import APIRouter

from gateway.routes import (
    catalog,
    guidelines,
    login,
    look_reads,
    looks,
    organizations,
    outfits,
    productions,
    shooting_products,
    shootings,
    users,
    utils,
)

ROUTERS: list[APIRouter] = [
    login.router,
    users.router,
    organizations.router,
    # Literal paths (/shootings/summary, /shootings/production-requests/...) before /shootings/{id}.
    looks.router,
    look_reads.router,
    outfits.router,
    shootings.router,
    guidelines.router,
    productions.router,
    shooting_products.router,
    catalog.router,
    outfits.overview,
    utils.router,
]
