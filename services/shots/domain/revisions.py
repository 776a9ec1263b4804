"""Revision rules (rules 2.14 of docs/reference.md, A52, A53, A59, A60;
D0.6, D0.11, D18.1).

- A new revision becomes current, links to the previous current one (unless the request names
  another of the shot's revisions) and takes ``version = previous.version + 1`` (first: 1).
- A shot's status is its current revision's ``shot_status`` (PENDING without one).
- Only chain tips can be deleted (R145); deleting the current one moves the shot back to its
  previous revision (R144).
- Restoring a revision deletes every revision after it in the chain (R148), unless one of them
  has push records (A59, 409); restoring the current revision changes nothing (R149).
- Each image of a new revision names exactly one source (A60): a prediction of one of this
  shot's generations, an earlier image of this shot (a refine), or an upload; the source is
  resolved to the image it names, so every image has a picture (422 otherwise).
- A review (approve, reject) keeps what the revision's author wrote: its note is added after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from platformkit.errors import Conflict, Invalid, Violation
from platformkit.field_paths import FieldPath
from platformkit.protoconv import enum_names
from platformkit.urls import split_url
from protos.common.v1 import common_pb2

# The shot status keys of the default shooting type, worst to best, as the contract orders them
# (ShotStatus in protos/common/v1/common.proto; D0.2).
SHOT_STATUSES = enum_names(common_pb2.ShotStatus)
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
    sketch_image_url: str | None = None
    sketch_media_key: str | None = None


def _not_fetchable(url: str | None, media_key: str | None) -> bool:
    """A URL given for an image is this platform's media (a key) or an absolute http(s) URL:
    anything else could never be shown, downloaded or exported."""
    if not url or media_key:
        return False
    parts = split_url(url)
    return parts is None or parts.scheme not in ("http", "https") or not parts.netloc


def check_status(status: str, loc: FieldPath) -> None:
    if status not in SHOT_STATUSES:
        raise Invalid.at(loc, f"Input should be {', '.join(SHOT_STATUSES)}", "enum")


# Per source: the field that names its picture, and what the error says is missing.
_SOURCE_FIELDS = {
    "PREDICTION": ("prediction_id", "A PREDICTION image needs prediction_id"),
    "REFINE": ("refine_id", "A REFINE image needs refine_id"),
    "UPLOAD": ("image_url", "An UPLOAD image needs image_url or image_data"),
}


def _source_violation(image: ImageInput, loc: FieldPath) -> Violation | None:
    """What is wrong with the source an image names (None: nothing)."""
    if image.source_type not in SOURCES:
        return Violation((*loc, "source_type"), f"Input should be {', '.join(SOURCES)}", "enum")
    given = {
        "prediction_id": image.prediction_id,
        "refine_id": image.refine_id,
        "image_url": image.image_url or image.media_key,
    }
    field, missing = _SOURCE_FIELDS[image.source_type]
    if not given[field]:
        return Violation((*loc, field), missing)
    for name, url, key in (
        ("image_url", image.image_url, image.media_key),
        ("sketch_image_url", image.sketch_image_url, image.sketch_media_key),
    ):
        if _not_fetchable(url, key):
            return Violation((*loc, name), "An image URL is an absolute http(s) URL or this platform's upload URL")
    # The picture comes from the source alone: a second one would leave it ambiguous.
    for other, value in given.items():
        if other != field and value:
            name = "image_url and image_data" if other == "image_url" else other
            return Violation((*loc, other), f"{name} cannot be given with a {image.source_type} image")
    return None


def check_images(images: Iterable[ImageInput]) -> None:
    """A60: every image names exactly one source and what that source needs."""
    violations = [
        found
        for index, image in enumerate(images)
        if (found := _source_violation(image, ("images", index))) is not None
    ]
    if violations:
        raise Invalid(violations)


def check_approved_has_image(shot_status: str, image_count: int) -> None:
    """A revision created APPROVED needs an image, as approving one does: an approved revision is
    what download and export deliver (every image of a new revision names a picture)."""
    if shot_status == "APPROVED" and image_count == 0:
        raise Invalid.at(("images",), "An APPROVED revision needs at least one image")


def prediction_problem(belongs_to_shot: bool, status: str | None, has_image: bool) -> str | None:
    """Why a prediction cannot be a revision image (None: it can). A prediction of another
    shot reads as an unknown one, so a caller learns nothing about shots they did not name."""
    if not belongs_to_shot:
        return "Unknown prediction, or not a prediction of this shot's generations"
    if status != "COMPLETED" or not has_image:
        return f"The prediction has no image (it is {status or 'unknown'})"
    return None


def refine_problem(belongs_to_shot: bool, has_image: bool) -> str | None:
    """Why an earlier image cannot be refined into a new revision (None: it can)."""
    if not belongs_to_shot:
        return "Unknown image, or not an image of this shot's revisions"
    if not has_image:
        return "The image names no picture to refine"
    return None


def with_review(notes: str | None, decision: str, review: str | None) -> str | None:
    """The revision's notes after a review: the author's text stays, the review's note follows
    as its own paragraph headed by the decision (a review without a note changes nothing)."""
    if review is None or not review.strip():
        return notes
    entry = f"{decision}: {review}"
    return f"{notes}\n\n{entry}" if notes else entry


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
