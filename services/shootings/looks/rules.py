"""Rules of looks (production requests): who pairs with what, where defaults come from, what an
update may change. Pure functions; see RULES 2.6-2.8."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from services.shootings.shared.statuses import READINESS

# At most this many looks per creation request (the subject x product matrix can explode).
MAX_LOOKS_PER_REQUEST = 5_000
# The shots service takes at most this many shots in one call.
MAX_SHOTS_PER_REQUEST = 20_000


@dataclass(frozen=True)
class Pairable:
    id: uuid.UUID
    gender: str


def compatible(product_gender: str, subject_gender: str, unisex_preference: str | None) -> bool:
    """R64-R65, A40: a gendered product pairs with subjects of its gender; a UNISEX one with those
    the preference names (MALE, FEMALE) or with every subject (UNISEX or none)."""
    if product_gender in ("MALE", "FEMALE"):
        return subject_gender == product_gender
    if unisex_preference in ("MALE", "FEMALE"):
        return subject_gender == unisex_preference
    return True


def pairings(
    products: Sequence[Pairable], subjects: Sequence[Pairable], unisex_preference: str | None
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """R63: the gender-compatible product x subject combinations, products first, in request order."""
    pairs = [
        (product.id, subject.id)
        for product in products
        for subject in subjects
        if compatible(product.gender, subject.gender, unisex_preference)
    ]
    if len(pairs) > MAX_LOOKS_PER_REQUEST:
        raise Invalid.at((), f"The request would create {len(pairs)} looks; at most {MAX_LOOKS_PER_REQUEST} at once")
    return pairs


def product_source(has_configs: bool, has_ids: bool, has_filters: bool) -> str | None:
    """A50: the first non-empty of product_outfit_configs > product_ids > product_filters."""
    if has_configs:
        return "configs"
    if has_ids:
        return "ids"
    if has_filters:
        return "filters"
    return None


def ensure_mannequin_exclusive(
    use_subject_mannequin_double: bool | None, template_id: object | None, loc: FieldPath
) -> None:
    """R74, R99: forcing the mannequin pipeline excludes a generative workflow template."""
    if use_subject_mannequin_double is True and template_id is not None:
        raise Invalid.at(
            (*loc, "use_subject_mannequin_double"),
            "use_subject_mannequin_double=true is mutually exclusive with generative_workflow_template_id",
        )


def ensure_readiness(value: str | None, loc: FieldPath) -> str:
    if value is None:
        return "DRAFT"  # looks start as drafts unless the request says otherwise (R76, D0.3)
    if value not in READINESS:
        raise Invalid.at(loc, f"readiness must be one of {', '.join(READINESS)}", "enum")
    return value


@dataclass
class Inherited:
    """What a look takes from its production's guidelines snapshot when the request is silent (A49)."""

    pose_preset_ids: list[uuid.UUID] = field(default_factory=list)
    set_design_id: uuid.UUID | None = None
    generative_workflow_template_id: uuid.UUID | None = None
    resolution_preset_id: uuid.UUID | None = None
    background_preset_id: uuid.UUID | None = None
    export_configuration_id: uuid.UUID | None = None


# ProductionRequestUpdate (R96).
UPDATABLE_FIELDS = frozenset(
    {
        "subject_id",
        "product_id",
        "outfit_id",
        "style_id",
        "resolution_preset_id",
        "width",
        "height",
        "background_preset_id",
        "export_configuration_id",
        "readiness",
        "generative_workflow_template_id",
        "use_subject_mannequin_double",
        "assignee_id",
        "shot_type_ids",
        "auto_generate",
    }
)
NOT_NULLABLE_FIELDS = frozenset({"readiness", "shot_type_ids", "auto_generate"})


def resolution_clearing(paths: Sequence[str], values: dict[str, object]) -> dict[str, object]:
    """R97: a resolution preset and a custom width/height exclude each other; setting one clears
    the other (not an error). Returns the extra fields to null."""
    cleared: dict[str, object] = {}
    if "resolution_preset_id" in paths and values.get("resolution_preset_id") is not None:
        cleared.update(width=None, height=None)
    if any(p in paths and values.get(p) is not None for p in ("width", "height")):
        cleared["resolution_preset_id"] = None
    return cleared


def shot_type_changes(
    current: Sequence[uuid.UUID], wanted: Sequence[uuid.UUID]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The shot types to add and to remove when a look's shot types change (A36)."""
    current_set, wanted_set = set(current), set(wanted)
    return [s for s in dict.fromkeys(wanted) if s not in current_set], [s for s in current if s not in wanted_set]
