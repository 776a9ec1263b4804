"""Who may see and change a look's outfits (D0.9, D0.30; R11, A20).

A caller who cannot see a look gets 404; one who sees it but is not its shooting's owner gets
403 where the reference reserves the action to the owner (E19).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from platformkit.access import ensure_organization_scope as ensure_organization_scope  # listing a scope's outfits
from platformkit.access import may_reach
from platformkit.errors import NotFound, PermissionDenied
from platformkit.principal import Caller


class Scoped(Protocol):
    """A look as this context knows it (rows satisfy it as they are)."""

    @property
    def owner_id(self) -> uuid.UUID: ...

    @property
    def organization_id(self) -> uuid.UUID | None: ...

    @property
    def deleted(self) -> bool: ...

    @property
    def shooting_deleted(self) -> bool: ...


class Product(Protocol):
    """What scoping needs of a catalog product (the typed catalog message satisfies it)."""

    public: bool

    def HasField(self, name: str) -> bool: ...

    @property
    def owner_id(self) -> str: ...

    @property
    def organization_id(self) -> str: ...


def can_view(caller: Caller, look: Scoped) -> bool:
    """A live look of a live shooting, seen by its owner, a member of its organization or an admin
    (the kit's rule, except that a deleted look or shooting is seen by nobody, not even an admin)."""
    if look.deleted or look.shooting_deleted:
        return False
    return may_reach(caller, look.owner_id, look.organization_id)


def ensure_visible(caller: Caller, look: Scoped | None) -> None:
    if look is None or not can_view(caller, look):
        raise NotFound("Production request not found")


def ensure_owner(caller: Caller, look: Scoped) -> None:
    """R11: only the owner of the look's shooting (or an admin) finalizes its outfit."""
    if not may_reach(caller, owner_id=look.owner_id):
        raise PermissionDenied("Only the owner of the shooting may finalize the look's outfit")


def usable_product(product: Product, user_id: uuid.UUID, organization_id: uuid.UUID | None) -> bool:
    """May a look of ``organization_id`` (None: a personal look) wear ``product``, for ``user_id``?

    Public products, the organization's own products and the user's personal products are
    usable; another organization's never are (R27), as for every other reference of a look.
    Not the kit's :func:`platformkit.access.may_use_in_scope`, on purpose: the catalog service
    that answered ``product`` has already applied the caller's visibility, so membership is not
    checked again; an admin gets no exception for another user's personal product; public
    products count, as in the catalog.
    """
    if product.public:
        return True
    if product.HasField("organization_id"):
        return organization_id is not None and uuid.UUID(product.organization_id) == organization_id
    return product.HasField("owner_id") and uuid.UUID(product.owner_id) == user_id
