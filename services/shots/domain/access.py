"""Who may see and change shots (D0.9, D0.29; R7, R11, R13, A20).

Shots are scoped by their shooting: its owner, the members of its organization and admins see
them; anyone else gets 404 (existence is never revealed). Starting generations is the owner's
(or an admin's) right alone: a member who can see gets 403 (R11).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from platformkit.access import ensure_organization_scope as ensure_organization_scope  # listing a scope's shots
from platformkit.access import may_reach
from platformkit.errors import NotFound, PermissionDenied
from platformkit.principal import Caller


@dataclass(frozen=True)
class ShootingScope:
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None
    deleted: bool = False


def can_see(caller: Caller, scope: ShootingScope | None) -> bool:
    """The kit's rule, except that a deleted shooting's shots are seen by nobody, not even an
    admin (its projection row stays, so that a restore brings them back)."""
    if scope is None or scope.deleted:
        return False
    return may_reach(caller, scope.owner_id, scope.organization_id)


def ensure_visible(caller: Caller, scope: ShootingScope | None, what: str) -> ShootingScope:
    if scope is None or not can_see(caller, scope):
        raise NotFound(f"{what} not found")
    return scope


def ensure_owner(caller: Caller, scope: ShootingScope) -> None:
    """R11: generation is the shooting owner's (or an admin's) call."""
    if not may_reach(caller, owner_id=scope.owner_id):
        raise PermissionDenied("Only the owner of the shooting can start generations")
