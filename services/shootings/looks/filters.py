"""The kanban filters of a shooting's looks (E9, E10: R79-R88, A32, A33, A35; D0.28).

Parsing is pure and separate from the SQL so every rule is checked without a database:

- ``shot_statuses`` OR's computed statuses (DRAFT, READY, the shot statuses) and WITHOUT_STATUS
  (a look without live shots, whatever its computed status).
- ``status_keys`` must each be a status of the shooting's type (422 naming the unknown ones) and
  match the look's ``shot_status``.
- ``assignee_ids`` / ``include_unassigned`` apply only when one of them is given (A32), so
  ``include_unassigned`` alone means "only the unassigned queue".
- ``created_from`` / ``created_to`` are inclusive UTC bounds: a date-time is exact to the
  microsecond, a date means that whole day.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from platformkit.errors import Invalid
from services.shootings.shared.statuses import StatusFilter, parse_status_filter

# Where the filters sit in the request (ListLooksRequest.filters).
FILTERS = ("filters",)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LookFilter:
    """A parsed filter; an empty field filters nothing. ``created_before`` is exclusive, so a
    date's whole day and an exact date-time are both a half-open or closed range in SQL."""

    statuses: StatusFilter
    status_keys: frozenset[str] = frozenset()
    product_ids: frozenset[uuid.UUID] = frozenset()
    product_name: str | None = None
    product_sku: str | None = None
    product_type: str | None = None
    assignee_ids: frozenset[uuid.UUID] = frozenset()
    include_unassigned: bool = False
    created_from: datetime | None = None
    created_until: datetime | None = None
    created_before: datetime | None = None

    @property
    def filters_assignees(self) -> bool:
        """A32: the assignee condition applies only when ids or include_unassigned are given."""
        return bool(self.assignee_ids) or self.include_unassigned

    @property
    def filters_product_entry(self) -> bool:
        """Whether the look's product entry must be read (name, SKU or type conditions)."""
        return any(v is not None for v in (self.product_name, self.product_sku, self.product_type))


def _uuids(values: Sequence[str], name: str) -> frozenset[uuid.UUID]:
    parsed: set[uuid.UUID] = set()
    for i, value in enumerate(values):
        try:
            parsed.add(uuid.UUID(value))
        except ValueError:
            raise Invalid.at((*FILTERS, name, i), "Input should be a valid UUID", "uuid_parsing") from None
    return frozenset(parsed)


def _text(value: str | None) -> str | None:
    """An empty search text filters nothing (as if it were absent)."""
    return value if value else None


def parse_moment(raw: str, name: str) -> datetime | date:
    """An ISO-8601 date-time (naive means UTC) or a date; 422 at ``("filters", name)`` otherwise."""
    try:
        if _DATE_ONLY.match(raw):
            return date.fromisoformat(raw)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid.at(
            (*FILTERS, name), "Input should be a valid date-time or date (ISO 8601)", "datetime_from_date_parsing"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def created_bounds(
    created_from: str | None, created_to: str | None
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """R88: ``(from, until, before)``: ``created_at >= from``, ``<= until`` (a date-time) or
    ``< before`` (the day after a date), all in UTC."""
    lower = upper_inclusive = upper_exclusive = None
    if created_from:
        start = parse_moment(created_from, "created_from")
        lower = start if isinstance(start, datetime) else _day_start(start)
    if created_to:
        end = parse_moment(created_to, "created_to")
        if isinstance(end, datetime):
            upper_inclusive = end
        else:
            upper_exclusive = _day_start(end) + timedelta(days=1)
    return lower, upper_inclusive, upper_exclusive


def ensure_status_keys(keys: Sequence[str], type_keys: Collection[str]) -> frozenset[str]:
    """R81: every key must be a status of the shooting's type; 422 naming the unknown ones."""
    unknown = sorted(set(keys) - set(type_keys))
    if unknown:
        raise Invalid.at(
            (*FILTERS, "status_keys"),
            f"Unknown status key(s) for this shooting's type: {', '.join(unknown)}",
            "enum",
        )
    return frozenset(keys)


def parse_look_filter(
    *,
    shot_statuses: Sequence[str] = (),
    status_keys: Sequence[str] = (),
    type_status_keys: Collection[str] = (),
    product_ids: Sequence[str] = (),
    product_name: str | None = None,
    product_sku: str | None = None,
    product_type: str | None = None,
    assignee_ids: Sequence[str] = (),
    include_unassigned: bool = False,
    created_from: str | None = None,
    created_to: str | None = None,
) -> LookFilter:
    """Check every parameter (422 located at the filter) and build the filter."""
    lower, until, before = created_bounds(created_from, created_to)
    return LookFilter(
        statuses=parse_status_filter(list(shot_statuses), (*FILTERS, "shot_statuses")),
        status_keys=ensure_status_keys(status_keys, type_status_keys),
        product_ids=_uuids(product_ids, "product_ids"),
        product_name=_text(product_name),
        product_sku=_text(product_sku),
        product_type=_text(product_type),
        assignee_ids=_uuids(assignee_ids, "assignee_ids"),
        include_unassigned=include_unassigned,
        created_from=lower,
        created_until=until,
        created_before=before,
    )
