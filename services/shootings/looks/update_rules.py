"""Rules of a look update (E13, RULES 2.8): which keys a request may send, which may be null, and
the checks that span several fields, judged on the look as it will be (the stored values with
the request's on top), never on the request alone. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from platformkit.errors import Invalid, Violation
from services.shootings.looks.rules import NOT_NULLABLE_FIELDS, UPDATABLE_FIELDS, compatible

SIZE_FIELDS = ("width", "height")


def ensure_valid_paths(paths: Sequence[str], nulls: Sequence[str]) -> None:
    """R96: only ProductionRequestUpdate's fields; R100/A13: null is a value (AUTO, unassigned,
    no style...) except for the fields a look always has (readiness, shot_type_ids, auto_generate)."""
    problems = [Violation((p,), "Unknown field", "extra_forbidden") for p in paths if p not in UPDATABLE_FIELDS]
    problems += [
        Violation((p,), "may be omitted but not null", "value_error") for p in nulls if p in NOT_NULLABLE_FIELDS
    ]
    if problems:
        raise Invalid(problems)


def ensure_one_resolution_choice(requested: Mapping[str, Any]) -> None:
    """R97 clears the other choice when one is set; setting both at once says two opposite things."""
    if requested.get("resolution_preset_id") is not None and any(requested.get(f) is not None for f in SIZE_FIELDS):
        raise Invalid.at(
            ("resolution_preset_id",),
            "resolution_preset_id and a custom width/height are mutually exclusive: send one of them",
        )


def effective(requested: Mapping[str, Any], stored: Mapping[str, Any], name: str) -> Any:
    """The value ``name`` will have: the request's when it names the field, else the stored one."""
    return requested[name] if name in requested else stored.get(name)


def ensure_mannequin_exclusive(requested: Mapping[str, Any], stored: Mapping[str, Any]) -> None:
    """R99 on the look as it will be: a stored template forbids sending mannequin=true, and a stored
    mannequin=true forbids sending a template. The error points at the field the request sent."""
    mannequin = effective(requested, stored, "use_subject_mannequin_double")
    template = effective(requested, stored, "generative_workflow_template_id")
    if mannequin is not True or template is None:
        return
    field = (
        "use_subject_mannequin_double"
        if requested.get("use_subject_mannequin_double") is True
        else "generative_workflow_template_id"
    )
    raise Invalid.at(
        (field,),
        "use_subject_mannequin_double=true is mutually exclusive with generative_workflow_template_id",
    )


def ensure_outfit_kept(requested: Mapping[str, Any], stored: Mapping[str, Any]) -> None:
    """THE outfit belongs to the outfits context (E18 creates one, E19 finalizes a proposal; this
    service keeps a projection of its choice). An update may send the look's current outfit_id
    back, null included when it has none, and changes nothing; any other value is a 422."""
    if "outfit_id" in requested and requested["outfit_id"] != stored.get("outfit_id"):
        raise Invalid.at(
            ("outfit_id",),
            "The outfit is chosen through the look's outfit endpoints (manual outfit, finalize-outfit)",
        )


def ensure_pair_compatible(product_gender: str, subject_gender: str, changed: Sequence[str]) -> None:
    """R64 holds after an update too: a gendered product stays with subjects of its gender. No
    unisex preference survives creation, so a UNISEX product pairs with every subject."""
    if not compatible(product_gender, subject_gender, None):
        field = "subject_id" if "subject_id" in changed else "product_id"
        raise Invalid.at((field,), "The subject's gender does not match the product's")


def changed_values(requested: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The requested values that differ from the stored ones: only those are written and announced."""
    return {name: value for name, value in requested.items() if stored.get(name) != value}
