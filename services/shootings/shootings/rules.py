"""Rules for shooting fields on create and update (R15-R16, R25, R39-R41)."""

from __future__ import annotations

from collections.abc import Iterable

from platformkit.errors import Invalid, Violation
from platformkit.field_paths import FieldPath

# ShootingUpdate fields; phase and require_test_shooting are not among them (R25, R41).
UPDATABLE_FIELDS: frozenset[str] = frozenset(
    {
        "name",
        "description",
        "due_date",
        "archived",
        "season",
        "collection",
        "brand",
        "organization_id",
        "default_guidelines_id",
    }
)
# Present in ShootingPublic as required or non-null values, so an explicit null cannot be stored.
NOT_NULLABLE_FIELDS: frozenset[str] = frozenset({"name", "archived"})


def update_violations(paths: Iterable[str], null_paths: Iterable[str]) -> list[Violation]:
    problems = [
        Violation(("patch", p), "Field cannot be updated", "extra_forbidden")
        for p in paths
        if p not in UPDATABLE_FIELDS
    ]
    problems += [
        Violation(("patch", p), "Field may not be null", "value_error") for p in null_paths if p in NOT_NULLABLE_FIELDS
    ]
    return problems


def ensure_valid_update(paths: Iterable[str], null_paths: Iterable[str]) -> None:
    problems = update_violations(list(paths), list(null_paths))
    if problems:
        raise Invalid(problems)


def ensure_name(name: str, loc: FieldPath = ("name",)) -> None:
    if not name.strip():
        raise Invalid.at(loc, "Name must not be blank", "string_too_short")
