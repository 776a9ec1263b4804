"""The `rules` stylist's choice (D0.42): complementary products for a look's core
product, from the candidates of the look's catalog scope.

A candidate must be gender-compatible with the look's subject (with the core product when the
look has no subject), must not be the core product, and fills a *slot* other than the core
product's: its placement, or its product type where the placement is empty. At most one product
per slot and at most ``limit`` in all; the order is deterministic (slot, then name, then id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    gender: str
    placement: str | None = None
    product_type: str | None = None

    @property
    def slot(self) -> str | None:
        """Where the product is worn: its placement, else its type (case and blanks ignored)."""
        for value in (self.placement, self.product_type):
            if value and value.strip():
                return value.strip().lower()
        return None


def wearable_genders(subject_gender: str | None, core_gender: str) -> set[str]:
    """Product genders a look may combine (R64, A40): the subject's own and UNISEX; a subject of
    another gender wears UNISEX only; without a subject, the core product's gender decides."""
    gender = subject_gender or core_gender
    return {gender, "UNISEX"} if gender in {"MALE", "FEMALE"} else {"UNISEX"}


def complementary(
    core: Candidate, candidates: Sequence[Candidate], subject_gender: str | None, limit: int
) -> list[Candidate]:
    genders = wearable_genders(subject_gender, core.gender)
    taken = {core.slot}
    chosen: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.slot or "", c.name.lower(), c.id)):
        if len(chosen) >= limit:
            break
        if candidate.id == core.id or candidate.gender not in genders:
            continue
        if candidate.slot is None or candidate.slot in taken:
            continue
        taken.add(candidate.slot)
        chosen.append(candidate)
    return chosen


def instruction(core: Candidate, chosen: Sequence[Candidate]) -> str:
    """A short styling instruction naming what the outfit combines (or saying there is nothing)."""
    if not chosen:
        return f"No complementary product in the catalog for {core.name}: style it on its own."
    names = [c.name for c in chosen]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Style {core.name} with {listed}; keep {core.name} the focus of every shot."
