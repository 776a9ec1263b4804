"""Which configuration an export renders with (the issue's order): the look's, else the user's
default, else JPEG with the `default` adapter. A deleted configuration no longer counts, and a
user's default counts only while the user can still see it (they may have left its organization).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.principal import Caller
from services.exports import repository as repo
from services.exports.domain import access
from services.exports.domain.formats import DEFAULT_SPEC, RenderSpec
from services.exports.models import ExportConfiguration


def spec_of(row: ExportConfiguration) -> RenderSpec:
    return RenderSpec(row.format, row.quality, row.metadata_adapter)


async def render_spec(
    session: AsyncSession, who: Caller, look_choice: uuid.UUID | None, user_choice: uuid.UUID | None
) -> RenderSpec:
    rows = {r.id: r for r in await repo.live_configurations(session, [i for i in (look_choice, user_choice) if i])}
    if look_choice in rows:
        return spec_of(rows[look_choice])
    if user_choice in rows and access.can_see(who, rows[user_choice]):
        return spec_of(rows[user_choice])
    return DEFAULT_SPEC
