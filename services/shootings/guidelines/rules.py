"""Guidelines templates and their baked snapshots (R21-R22, R27-R28, R42, R53)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from platformkit.errors import Invalid, Violation
from platformkit.field_paths import FieldPath

# Catalog references a guidelines row may hold: field name -> (catalog kind, is a list).
REFERENCE_FIELDS: dict[str, tuple[str, bool]] = {
    "subject_ids": ("subject", True),
    "shot_type_ids": ("shot_type", True),
    "pose_preset_ids": ("pose_preset", True),
    "set_design_id": ("set_design", False),
    "stylist_id": ("stylist", False),
    "resolution_preset_id": ("resolution_preset", False),
    "background_preset_id": ("background_preset", False),
    "export_configuration_id": ("export_configuration", False),
    "generative_workflow_template_id": ("generative_workflow_template", False),
}


# What PATCH /guidelines/{id} may change (the owner is fixed at creation).
PATCHABLE_FIELDS: frozenset[str] = frozenset(
    {
        "name",
        "organization_id",
        "allow_back_shots_without_back_image",
        "auto_start_look_generations",
        "shot_type_rules",
        *REFERENCE_FIELDS,
    }
)


@dataclass
class RuleGroupDraft:
    rule_kind: str
    rule_value: str
    shot_type_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class GuidelinesDraft:
    """A ShootingGuidelinesCreate, validated and ready to store."""

    name: str
    owner_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    references: dict[str, list[uuid.UUID] | uuid.UUID | None] = field(default_factory=dict)
    allow_back_shots_without_back_image: bool = False
    auto_start_look_generations: bool = False
    shot_type_rules: list[RuleGroupDraft] = field(default_factory=list)

    def referenced_ids(self) -> dict[str, set[uuid.UUID]]:
        """Every catalog id this draft names, by catalog kind (rule groups name shot types too)."""
        by_kind: dict[str, set[uuid.UUID]] = {}
        for name, (kind, _) in REFERENCE_FIELDS.items():
            value = self.references.get(name)
            ids = set(value) if isinstance(value, list) else ({value} if value else set())
            by_kind.setdefault(kind, set()).update(ids)
        for group in self.shot_type_rules:
            by_kind.setdefault("shot_type", set()).update(group.shot_type_ids)
        return {kind: ids for kind, ids in by_kind.items() if ids}


def draft_violations(draft: GuidelinesDraft, loc: FieldPath) -> list[Violation]:
    problems: list[Violation] = []
    if not draft.name.strip():
        problems.append(Violation((*loc, "name"), "Name must not be blank", "string_too_short"))
    for i, group in enumerate(draft.shot_type_rules):
        if not group.rule_kind.strip():
            problems.append(Violation((*loc, "shot_type_rules", str(i), "rule_kind"), "rule_kind must not be blank"))
    return problems


def unresolved_reference_violations(
    draft: GuidelinesDraft, missing: dict[str, set[uuid.UUID]], loc: FieldPath
) -> list[Violation]:
    """422 items for ids that do not resolve to catalog entries the caller may use."""
    problems: list[Violation] = []
    for name, (kind, _) in REFERENCE_FIELDS.items():
        value = draft.references.get(name)
        ids = value if isinstance(value, list) else ([value] if value else [])
        bad = [str(i) for i in ids if i in missing.get(kind, set())]
        if bad:
            problems.append(Violation((*loc, name), f"Unknown {kind.replace('_', ' ')} id(s): {', '.join(bad)}"))
    for i, group in enumerate(draft.shot_type_rules):
        bad = [str(s) for s in group.shot_type_ids if s in missing.get("shot_type", set())]
        if bad:
            problems.append(
                Violation(
                    (*loc, "shot_type_rules", str(i), "shot_type_ids"), f"Unknown shot type id(s): {', '.join(bad)}"
                )
            )
    return problems


def ensure_valid(draft: GuidelinesDraft, missing: dict[str, set[uuid.UUID]], loc: FieldPath) -> None:
    problems = draft_violations(draft, loc) + unresolved_reference_violations(draft, missing, loc)
    if problems:
        raise Invalid(problems)


def ensure_exclusive_template_choice(has_inline: bool, has_id: bool) -> None:
    """R22: an inline template and an existing template id are mutually exclusive."""
    if has_inline and has_id:
        raise Invalid.at(
            ("default_guidelines",),
            "default_guidelines and default_guidelines_id are mutually exclusive: pass one or the other",
        )


def copy_field(source: GuidelinesDraft, target: GuidelinesDraft, path: str) -> None:
    """Take one patchable field of ``source`` into ``target``."""
    if path in REFERENCE_FIELDS:
        target.references[path] = source.references.get(path)
    else:
        setattr(target, path, getattr(source, path))
