"""The access rule of :mod:`platformkit.access` as SQL conditions, for repositories that filter
many rows at once instead of checking them one by one.

Each function takes the columns that hold a row's owner and organization, so one definition
serves every table that is scoped like a shooting.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from platformkit.principal import Caller

# ``IN ()`` of an empty list: a caller without organizations matches no organization column.
_NO_ORGANIZATION = uuid.UUID(int=0)


def reached_by(
    caller: Caller, owner: sa.ColumnElement[Any], organization: sa.ColumnElement[Any]
) -> sa.ColumnElement[bool]:
    """Rows ``caller`` may reach: their own, their organizations', every row for an admin."""
    if caller.is_superuser:
        return sa.true()
    return sa.or_(owner == caller.user_id, organization.in_(caller.organization_ids or [_NO_ORGANIZATION]))


# The caller as parameters of a statement built once (:func:`reached_by_parameters`).
CALLER_USER_ID = sa.bindparam("caller_user_id", type_=UUID(as_uuid=True))
_CALLER_IS_SUPERUSER = sa.bindparam("caller_is_superuser", type_=sa.Boolean)
_CALLER_ORGANIZATION_IDS = sa.bindparam("caller_organization_ids", type_=ARRAY(UUID(as_uuid=True)))


def reached_by_parameters(owner: sa.ColumnElement[Any], organization: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """:func:`reached_by` with the caller as parameters, for statements compiled once; executed with
    :func:`caller_parameters`."""
    return sa.or_(_CALLER_IS_SUPERUSER, owner == CALLER_USER_ID, organization == sa.any_(_CALLER_ORGANIZATION_IDS))


def caller_parameters(caller: Caller) -> dict[str, Any]:
    return {
        "caller_user_id": caller.user_id,
        "caller_is_superuser": caller.is_superuser,
        "caller_organization_ids": list(caller.organization_ids),
    }


def listing_scope(
    owner: sa.ColumnElement[Any],
    organization: sa.ColumnElement[Any],
    owner_id: uuid.UUID,
    organization_id: uuid.UUID | None,
) -> sa.ColumnElement[bool]:
    """What a list shows: the rows of ``organization_id`` when one is named (membership is checked
    before), else ``owner_id``'s personal rows (those of no organization)."""
    if organization_id is not None:
        return organization == organization_id
    return sa.and_(organization.is_(None), owner == owner_id)
