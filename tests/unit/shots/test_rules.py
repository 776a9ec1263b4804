"""Pure rules of the shots context: revision chains, generation planning, media names and
signatures, and the local provider's determinism."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from platformkit.errors import Conflict, Invalid
from platformkit.media.keys import key_from_url, sanitise_filename, upload_key
from platformkit.media.signing import signature, verify
from services.shots.domain import generation, revisions
from services.shots.worker.providers import RenderJob
from services.shots.worker.providers.local import render_one


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 60), color).save(out, format="PNG")
    return out.getvalue()


def test_r148_descendants_follow_the_chain_from_the_target():
    a, b, c, d, e = (uuid.uuid4() for _ in range(5))
    links = [
        revisions.Link(a, None),
        revisions.Link(b, a),
        revisions.Link(c, b),
        revisions.Link(d, c),
        revisions.Link(e, a),
    ]
    assert revisions.descendants(b, links) == {c, d}
    assert revisions.descendants(a, links) == {b, c, d, e}
    assert revisions.descendants(d, links) == set()


def test_r145_only_tips_a59_no_pushed_revision_is_restored_away():
    a, b = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(Conflict):
        revisions.ensure_tip(a, [revisions.Link(a, None), revisions.Link(b, a)])
    revisions.ensure_tip(b, [revisions.Link(a, None), revisions.Link(b, a)])
    with pytest.raises(Conflict):
        revisions.ensure_no_pushes({b})


def test_a52_versions_and_generation_status():
    assert (revisions.next_version(None), revisions.next_version(4)) == (1, 5)
    assert revisions.status_after_generation("PENDING") == "PROPOSAL"
    assert revisions.status_after_generation("APPROVED") == "APPROVED"
    with pytest.raises(Invalid):
        revisions.check_status("DONE", ("shot_status",))


def test_r115_r116_a29_skip_rules_and_a30_counts():
    assert generation.skip_reason("back", "data:x") == generation.SKIP_BACK  # any case (A29)
    assert generation.skip_reason("FRONT", "") == generation.SKIP_NO_BASE_IMAGE
    assert generation.skip_reason("SIDE", "https://x/y.png") is None
    for bad in (0, 11):
        with pytest.raises(Invalid):
            generation.check_count(bad, ("specs", 0, "count"))
    assert generation.prediction_seeds(7, 3) == [7, 8, 9]
    # A request for one shot generates a back view; a missing base image is still a reason.
    assert generation.skip_reason("BACK", "data:x", explicit=True) is None
    assert generation.skip_reason("BACK", "", explicit=True) == generation.SKIP_NO_BASE_IMAGE


def _violations(*images: revisions.ImageInput) -> list[tuple[tuple[str, ...], str]]:
    try:
        revisions.check_images(images)
    except Invalid as exc:
        return [(v.loc, v.msg) for v in exc.violations]
    return []


def test_a60_each_image_names_exactly_one_source():
    ok = (
        revisions.ImageInput("PREDICTION", prediction_id="p"),
        revisions.ImageInput("REFINE", refine_id="r"),
        revisions.ImageInput("UPLOAD", media_key="k"),
        revisions.ImageInput("UPLOAD", image_url="https://x/a.png"),
    )
    assert _violations(*ok) == []
    found = _violations(
        revisions.ImageInput("PREDICTION"),
        revisions.ImageInput("UPLOAD", prediction_id="p", image_url="https://x/a.png"),
        revisions.ImageInput("REFINE", refine_id="r", media_key="k"),
        revisions.ImageInput("SKETCH"),
    )
    assert [loc[-1] for loc, _ in found] == ["prediction_id", "prediction_id", "image_url", "source_type"]
    assert [loc[1] for loc, _ in found] == [0, 1, 2, 3]
    never_fetched = _violations(
        revisions.ImageInput("UPLOAD", image_url="ftp://x/a.png"),
        revisions.ImageInput("UPLOAD", image_url="https://x/a.png", sketch_image_url="a.png"),
        revisions.ImageInput("UPLOAD", image_url="https://x/a.png", sketch_image_url="s", sketch_media_key="k"),
    )
    assert [loc for loc, _ in never_fetched] == [
        ("images", 0, "image_url"),
        ("images", 1, "sketch_image_url"),
    ]


def test_an_approved_revision_needs_an_image():
    revisions.check_approved_has_image("REVIEW", 0)
    revisions.check_approved_has_image("APPROVED", 1)
    with pytest.raises(Invalid) as caught:
        revisions.check_approved_has_image("APPROVED", 0)
    assert caught.value.violations[0].loc == ("images",)


def test_sources_resolve_only_to_the_shots_own_pictures():
    assert revisions.prediction_problem(True, "COMPLETED", True) is None
    assert "not a prediction of this shot" in str(revisions.prediction_problem(False, "COMPLETED", True))
    assert "PENDING" in str(revisions.prediction_problem(True, "PENDING", False))
    assert revisions.refine_problem(True, True) is None
    assert revisions.refine_problem(False, True) and revisions.refine_problem(True, False)


def test_a_review_keeps_the_authors_notes_and_adds_its_own():
    assert revisions.with_review("first", "REJECTED", "no") == "first\n\nREJECTED: no"
    assert revisions.with_review(None, "APPROVED", "lovely") == "APPROVED: lovely"
    assert revisions.with_review("first", "APPROVED", None) == "first"
    assert revisions.with_review("first", "APPROVED", "  ") == "first"


def test_filenames_are_sanitised_and_keys_recognised():
    assert sanitise_filename("../../etc/pass wd.exe", "image/png") == "pass-wd.png"
    assert sanitise_filename("", "image/jpeg") == "image.jpg"
    key = upload_key("shot", "Été photo.JPG", "image/jpeg")
    assert key.startswith("uploads/shot/") and key.endswith("/Ete-photo.jpg") and ".." not in key
    assert key_from_url(f"https://edge.example/api/v1/media/{key}") == key
    assert key_from_url("https://elsewhere.example/a.png") is None
    assert key_from_url("http://h/api/v1/media/../../secret") is None


def test_signatures_cover_method_key_expiry_and_type():
    secret = b"k" * 32
    good = signature(secret, "PUT", "a/b.png", 2_000, "image/png")
    assert verify(secret, "PUT", "a/b.png", 2_000, good, "image/png", now=1_000)
    assert not verify(secret, "PUT", "a/b.png", 2_000, good, "image/png", now=2_001)  # expired
    assert not verify(secret, "GET", "a/b.png", 2_000, good, "image/png", now=1_000)
    assert not verify(secret, "PUT", "a/c.png", 2_000, good, "image/png", now=1_000)
    assert not verify(secret, "PUT", "a/b.png", 2_000, good, "image/jpeg", now=1_000)
    # Any text a query string carries is answered, never raised on (compare_digest refuses non-ASCII).
    assert not verify(secret, "PUT", "a/b.png", 2_000, "\u00b1" + good[1:], "image/png", now=1_000)


def test_the_local_provider_is_deterministic_for_a_seed():
    job = RenderJob(
        "g",
        [1],
        {"framing": "DETAIL", "shot_type_name": "front"},
        png((200, 40, 40)),
        [png((0, 0, 250))],
        width=64,
        height=96,
    )
    first, again, other = render_one(job, 1), render_one(job, 1), render_one(job, 2)
    assert first == again and first != other
    with Image.open(io.BytesIO(first)) as image:
        assert image.size == (64, 96) and image.format == "PNG"
