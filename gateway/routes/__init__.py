"""The routers mounted under ``/api/v1``, one module per public resource; add new ones here."""

from fastapi import APIRouter

from gateway.routes import (
    catalog,
    guidelines,
    login,
    organizations,
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
    shootings.router,
    guidelines.router,
    productions.router,
    shooting_products.router,
    catalog.router,
    utils.router,
]
