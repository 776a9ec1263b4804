"""Revision rules (RULES 2.14, A52, A53, A59, A60 and DESIGN.md "Domain decisions").

- A new revision becomes current, links to the previous current one (unless the request names
  another of the shot's revisions) and takes ``version = previous.version + 1`` (first: 1).
- A shot's status is its current revision's ``shot_status`` (PENDING without one).
- Only chain tips can be deleted (R145); deleting the current one moves the shot back to its
  previous revision (R144).
- Restoring a revision deletes every revision after it in the chain (R148), unless one of them
  has push records (A59, 409); restoring the current revision changes nothing (R149).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from platformkit.errors import Conflict, Invalid, Violation

# The shot status keys of the default shooting type, worst to best (DESIGN.md).
SHOT_STATUSES = ("PENDING", "PROPOSAL", "REJECTED", "POST_PROD", "POST_PROD_REJECTED", "REVIEW", "APPROVED")
INITIAL_STATUS = "PENDING"
PROPOSAL = "PROPOSAL"
REVIEW_DECISIONS = ("APPROVED", "REJECTED")
SOURCES = ("PREDICTION", "REFINE", "UPLOAD")


@dataclass(frozen=True)
class ImageInput:
    source_type: str
    prediction_id: str | None = None
    refine_id: str | None = None
    image_url: str | None = None
    media_key: str | None = None


def check_status(status: str, loc: tuple[str, ...]) -> None:
    if status not in SHOT_STATUSES:
        raise Invalid.at(loc, f"Input should be {', '.join(SHOT_STATUSES)}", "enum")


def check_images(images: Iterable[ImageInput]) -> None:
    """A60: every image names its source and what that source needs."""
    violations = []
    for index, image in enumerate(images):
        loc = ("body", "images", str(index))
        if image.source_type not in SOURCES:
            violations.append(Violation((*loc, "source_type"), f"Input should be {', '.join(SOURCES)}", "enum"))
        elif image.source_type == "PREDICTION" and not image.prediction_id:
            violations.append(Violation((*loc, "prediction_id"), "A PREDICTION image needs prediction_id"))
        elif image.source_type == "REFINE" and not image.refine_id:
            violations.append(Violation((*loc, "refine_id"), "A REFINE image needs refine_id"))
        elif image.source_type == "UPLOAD" and not (image.image_url or image.media_key):
            violations.append(Violation((*loc, "image_url"), "An UPLOAD image needs image_url or image_data"))
    if violations:
        raise Invalid(violations)


def next_version(previous_version: int | None) -> int:
    return 1 if previous_version is None else previous_version + 1


def status_after_generation(shot_status: str) -> str:
    """A completed generation proposes on a PENDING shot and keeps any other status."""
    return PROPOSAL if shot_status == INITIAL_STATUS else shot_status


@dataclass(frozen=True)
class Link:
    id: uuid.UUID
    previous_revision_id: uuid.UUID | None


def ensure_tip(revision_id: uuid.UUID, links: Iterable[Link]) -> None:
    """R145: a revision another revision points at cannot be deleted."""
    if any(link.previous_revision_id == revision_id for link in links):
        raise Conflict("The revision is referenced as the previous revision of another revision")


def descendants(target: uuid.UUID, links: Iterable[Link]) -> set[uuid.UUID]:
    """Every revision whose chain of previous revisions reaches ``target`` (R148)."""
    previous: Mapping[uuid.UUID, uuid.UUID | None] = {link.id: link.previous_revision_id for link in links}
    found: set[uuid.UUID] = set()
    for start in previous:
        seen, cursor = set(), previous.get(start)
        while cursor is not None and cursor not in seen:
            if cursor == target:
                found.add(start)
                break
            seen.add(cursor)
            cursor = previous.get(cursor)
    return found


def ensure_no_pushes(pushed: set[uuid.UUID]) -> None:
    """A59: a revision the exports context pushed somewhere is never deleted (by a restore or
    a deletion)."""
    if pushed:
        raise Conflict("The revision (or a later one) has push records; it cannot be deleted")
