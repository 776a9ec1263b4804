"""Soft delete and restore (R43-R46, A23).

Deleting a shooting stamps it and every live descendant with the same instant; restoring it
revives exactly the descendants whose stamp is at or after the shooting's, so those deleted
on their own earlier stay deleted.
"""

from __future__ import annotations

from datetime import datetime

from platformkit.errors import Conflict


def revived_with_parent(child_deleted_at: datetime | None, parent_deleted_at: datetime) -> bool:
    return child_deleted_at is not None and child_deleted_at >= parent_deleted_at


def ensure_deleted(deleted_at: datetime | None, what: str) -> datetime:
    if deleted_at is None:
        raise Conflict(f"{what} is not deleted")
    return deleted_at
