"""Rules of catalog entries: checking create bodies and patches against the kind's fields, the
catalog references they hold, what the service adds when it stores them, and who may see or
change an entry (D0.23; R27).

Why per field rather than one model per kind: a patch validates only the keys it carries, with
the same rule as a create body, so a required field may be left out of a patch but never nulled.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from platformkit.errors import Invalid, NotFound, PermissionDenied, Violation
from platformkit.field_paths import FieldPath
from services.shootings.catalog.kinds import KINDS, FieldRule, KindRules
from services.shootings.shared import access
from services.shootings.shared.access import Caller, CatalogItem
from services.shootings.shared.inputs import violations_of

# Where an entry's fields sit in the request: CreateEntryRequest.fields, UpdateEntryRequest.patch.
CREATE_FIELDS: FieldPath = ("fields",)
PATCH_FIELDS: FieldPath = ("patch",)
# Columns of every kind; the rest of a kind's fields is stored in `data`.
COLUMN_FIELDS = ("name", "public")
STAMP_KEYS = ("id", "created_at", "updated_at", "image_media")


def rules_for(kind: str, loc: FieldPath = ("kind",)) -> KindRules:
    try:
        return KINDS[kind]
    except KeyError:
        raise Invalid.at(loc, f"Unknown catalog kind {kind!r}", "enum") from None


def _check(rule: FieldRule, name: str, value: Any, problems: list[Violation], at: FieldPath) -> Any:
    """The value as stored (JSON-ready), or None with the problems recorded."""
    try:
        return rule.adapter.dump_python(rule.adapter.validate_python(value), mode="json")
    except ValidationError as exc:
        problems.extend(violations_of(exc, (*at, name)))
        return None


def _unknown_keys(rules: KindRules, given: Mapping[str, Any], at: FieldPath) -> list[Violation]:
    return [
        Violation((*at, key), "Extra inputs are not permitted", "extra_forbidden")
        for key in given
        if key not in rules.fields
    ]


def validate_create(rules: KindRules, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of the kind: the given ones checked, the others at their defaults (422 when a
    required one is missing or any value is invalid)."""
    problems = _unknown_keys(rules, fields, CREATE_FIELDS)
    values: dict[str, Any] = {}
    for name, rule in rules.fields.items():
        if name in fields:
            values[name] = _check(rule, name, fields[name], problems, CREATE_FIELDS)
        elif rule.required:
            problems.append(Violation((*CREATE_FIELDS, name), "Field required", "missing"))
        else:
            values[name] = copy.deepcopy(rule.default)
    if problems:
        raise Invalid(problems)
    _ensure_unique_items(rules, values, CREATE_FIELDS)
    return values


def validate_patch(rules: KindRules, patch: Mapping[str, Any]) -> dict[str, Any]:
    """Only the keys the patch carries, each checked like a create body's (so null is refused
    wherever the field's type does not allow it, e.g. a required field)."""
    problems = _unknown_keys(rules, patch, PATCH_FIELDS)
    values = {name: _check(rules.fields[name], name, value, problems, PATCH_FIELDS) for name, value in patch.items()}
    if problems:
        raise Invalid(problems)
    _ensure_unique_items(rules, values, PATCH_FIELDS)
    return values


def _ensure_unique_items(rules: KindRules, values: Mapping[str, Any], at: FieldPath) -> None:
    problems = []
    for list_field, item_field in rules.unique_items:
        seen: set[Any] = set()
        for i, item in enumerate(values.get(list_field) or []):
            if item[item_field] in seen:
                problems.append(Violation((*at, list_field, i, item_field), f"Repeated {item_field}"))
            seen.add(item[item_field])
    if problems:
        raise Invalid(problems)


def slugify(*parts: str | None) -> str:
    """Lower-case ASCII words joined by hyphens ("Zoë Smith" -> "zoe-smith")."""
    text = " ".join(p for p in parts if p)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:255] or "subject"


def _item_key(item: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, repr(v)) for k, v in item.items() if k not in STAMP_KEYS))


def finish(rules: KindRules, values: dict[str, Any], stored: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """What the service adds to checked values before storing them: ids and timestamps of nested
    items, the measurements' id, a derived subject slug. ``stored`` is the entry's current data
    (empty on create); only the keys of ``values`` are returned."""
    out = dict(values)
    stamp = now.isoformat()
    for name in rules.stamped_lists:
        if name in out:
            out[name] = [{**item, **_stamp(item, stored.get(name) or [], stamp)} for item in out[name] or []]
    if out.get("measurements") is not None:
        previous = stored.get("measurements") or {}
        out["measurements"] = {**out["measurements"], "id": previous.get("id") or str(uuid.uuid4())}
    if "slug" in out and out["slug"] is None and "slug" in rules.fields:
        merged = {**stored, **values}
        out["slug"] = slugify(merged.get("name"), merged.get("surname"))
    return out


def _stamp(item: Mapping[str, Any], previous: list[dict[str, Any]], now: str) -> dict[str, Any]:
    """An item's id and timestamps: those of an equal stored item, else new ones."""
    key = _item_key(item)
    old = next((p for p in previous if _item_key(p) == key), None)
    if old is not None:
        return {k: old.get(k) for k in STAMP_KEYS}
    return {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now, "image_media": None}


def split_columns(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(column values, data values): name and public are columns, everything else is data."""
    columns = {k: v for k, v in values.items() if k in COLUMN_FIELDS}
    return columns, {k: v for k, v in values.items() if k not in COLUMN_FIELDS}


def with_shot_type_labels(data: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """A subject's base images with ``shot_type_label``: the named shot type's current name."""
    images = data.get("base_images")
    if not images:
        return dict(data)
    return {
        **data,
        "base_images": [
            {**image, "shot_type_label": labels.get(image["shot_type_id"], image.get("shot_type_label", ""))}
            for image in images
        ],
    }


def _references(
    rules: KindRules, values: Mapping[str, Any], at: FieldPath = ()
) -> Iterator[tuple[FieldPath, str, uuid.UUID]]:
    """(path under ``at``, kind, id) of every catalog reference among ``values``."""
    for ref in rules.references:
        value = values.get(ref.field)
        if ref.item_field is None:
            if value is not None:
                yield (*at, ref.field), ref.kind, uuid.UUID(str(value))
            continue
        for i, item in enumerate(value or []):
            yield (*at, ref.field, i, ref.item_field), ref.kind, uuid.UUID(str(item[ref.item_field]))


def referenced_ids(rules: KindRules, values: Mapping[str, Any]) -> dict[str, set[uuid.UUID]]:
    by_kind: dict[str, set[uuid.UUID]] = {}
    for _, kind, ref_id in _references(rules, values):
        by_kind.setdefault(kind, set()).add(ref_id)
    return by_kind


def ensure_references_resolve(
    rules: KindRules, values: Mapping[str, Any], missing: Mapping[str, set[uuid.UUID]], at: FieldPath
) -> None:
    """R27: ids that name no live entry usable in the entry's scope are 422 at their own path under ``at``."""
    problems = [
        Violation(loc, f"Unknown {kind.replace('_', ' ')} {ref_id}, or not usable in this scope")
        for loc, kind, ref_id in _references(rules, values, at)
        if ref_id in missing.get(kind, set())
    ]
    if problems:
        raise Invalid(problems)


def can_see(caller: Caller, entry: CatalogItem) -> bool:
    """The owner, the organization's members, admins (the kit's rule, through
    :func:`access.can_view`), and, the catalog's own addition, anyone when the entry is public."""
    return entry.public or access.can_view(caller, entry)


def ensure_visible(caller: Caller, entry: CatalogItem | None, label: str) -> None:
    if entry is None or not can_see(caller, entry):
        raise NotFound(f"{label} not found")


def ensure_editable(caller: Caller, entry: CatalogItem, label: str) -> None:
    """Changes are for the owner, the organization's members and admins: a public entry is
    readable by everyone but stays its owner's (403, since the caller can see it)."""
    if not access.can_view(caller, entry):
        raise PermissionDenied(f"Only the owner or a member of its organization may change this {label.lower()}")


def ensure_may_publish(caller: Caller, values: Mapping[str, Any]) -> None:
    """Publishing makes an entry readable and usable by every tenant, so only an admin may."""
    if values.get("public") and not caller.is_superuser:
        raise PermissionDenied("Only an admin may make a catalog entry public")
