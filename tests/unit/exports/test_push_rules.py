"""Push statuses, the aggregate a revision shows (R155, R156, A58), what a receiver's answer
means (D0.37), confirmations, signatures and secrets at rest."""

from __future__ import annotations

import json
import uuid

import pytest

from platformkit.errors import Conflict, Invalid
from services.exports.domain import pushes, signing
from services.exports.domain.pushes import Outcome
from services.exports.secret_box import SecretBox, SecretKeyMissing, UnreadableSecret, box_from_settings
from services.exports.settings import ExportsSettings


def test_r156_no_pushes_is_null() -> None:
    assert pushes.aggregate([]) is None


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["COMPLETED", "COMPLETED"], "COMPLETED"),
        (["COMPLETED", "PENDING"], "PENDING"),
        (["PENDING", "AWAITING_CONFIRMATION", "COMPLETED"], "AWAITING_CONFIRMATION"),
        (["AWAITING_CONFIRMATION", "IN_PROGRESS"], "IN_PROGRESS"),
        (["IN_PROGRESS", "FAILED", "COMPLETED"], "FAILED"),
    ],
)
def test_r155_a58_the_worst_status_wins_and_completed_only_when_all_are(statuses, expected) -> None:
    assert pushes.aggregate(statuses) == expected


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (200, Outcome.COMPLETED),
        (201, Outcome.COMPLETED),
        (204, Outcome.COMPLETED),
        (202, Outcome.AWAITING_CONFIRMATION),
        (400, Outcome.FAILED),
        (401, Outcome.FAILED),
        (404, Outcome.FAILED),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
    ],
)
def test_the_receivers_answer_decides_the_push(code: int, outcome: Outcome) -> None:
    assert pushes.outcome_of(code) is outcome


def test_a_live_or_completed_push_blocks_another_but_a_failed_one_does_not() -> None:
    assert pushes.FAILED not in pushes.BLOCKING
    assert {pushes.PENDING, pushes.IN_PROGRESS, pushes.AWAITING_CONFIRMATION, pushes.COMPLETED} == pushes.BLOCKING


def test_confirmations_settle_only_pushes_awaiting_them() -> None:
    assert pushes.confirmed_status("AWAITING_CONFIRMATION", "COMPLETED") is True
    assert pushes.confirmed_status("COMPLETED", "COMPLETED") is False  # a retried callback
    with pytest.raises(Conflict):
        pushes.confirmed_status("PENDING", "COMPLETED")
    with pytest.raises(Conflict):
        pushes.confirmed_status("COMPLETED", "FAILED")


def test_a_confirmation_body_is_checked_field_by_field() -> None:
    push_id = uuid.uuid4()
    ok = pushes.parse_confirmation(
        json.dumps({"push_id": str(push_id), "status": "FAILED", "error_message": "x"}).encode()
    )
    assert (ok.push_id, ok.status, ok.error_message) == (push_id, "FAILED", "x")
    for body, loc in (
        (b"not json", ("body",)),
        (b"[]", ("body",)),
        (json.dumps({"push_id": "nope", "status": "COMPLETED"}).encode(), ("body", "push_id")),
        (json.dumps({"push_id": str(push_id), "status": "PENDING"}).encode(), ("body", "status")),
        (
            json.dumps({"push_id": str(push_id), "status": "FAILED", "error_message": 3}).encode(),
            ("body", "error_message"),
        ),
    ):
        with pytest.raises(Invalid) as caught:
            pushes.parse_confirmation(body)
        assert caught.value.violations[0].loc == loc


def test_signatures_are_hmac_sha256_of_the_body() -> None:
    signature = signing.sign("a-secret-of-16-chars", b"body")
    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert signing.verify("a-secret-of-16-chars", b"body", signature)
    assert not signing.verify("a-secret-of-16-chars", b"body!", signature)
    assert not signing.verify("another-secret-16chars", b"body", signature)
    # A header's latin-1 text beyond ASCII is answered, never raised on (compare_digest refuses it).
    assert not signing.verify("a-secret-of-16-chars", b"body", signature[:-1] + "\u00e9")


def test_secrets_are_sealed_and_keys_rotate() -> None:
    old, new = SecretBox(["old-key"]), SecretBox(["new-key", "old-key"])
    sealed = old.seal("the-integration-secret")
    assert b"the-integration-secret" not in sealed
    assert new.open(sealed) == "the-integration-secret"  # rotation: the old key still decrypts
    with pytest.raises(UnreadableSecret):
        SecretBox(["new-key"]).open(sealed)
    with pytest.raises(SecretKeyMissing):
        SecretBox([])


def test_the_key_comes_from_settings_else_from_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SECRET_KEY", "EXPORTS_SECRETS_KEY"):
        monkeypatch.delenv(name, raising=False)
    base = {"database_url": "postgresql+asyncpg://x@h/d"}
    derived = box_from_settings(ExportsSettings(**base, secret_key="jwt-key"))
    own = box_from_settings(ExportsSettings(**base, exports_secrets_key="k1, k2", secret_key="jwt-key"))
    assert derived.open(box_from_settings(ExportsSettings(**base, secret_key="jwt-key")).seal("s")) == "s"
    with pytest.raises(UnreadableSecret):
        own.open(derived.seal("s"))
    with pytest.raises(SecretKeyMissing):
        box_from_settings(ExportsSettings(**base))
