"""Domain errors in, the standard rich status a service answers with out (pure, no I/O)."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from platformkit import errors, rich_status
from platformkit.field_paths import FieldPath, from_text, to_text


def sent(exc: errors.DomainError) -> status_pb2.Status:
    """The status as the client reads it from the call's trailer."""
    ((key, value),) = rich_status.trailing_metadata(exc)
    assert key == "grpc-status-details-bin"
    return status_pb2.Status.FromString(value)


def test_invalid_is_invalid_argument_with_a_field_violation_per_value() -> None:
    exc = errors.Invalid(
        [
            errors.Violation(("specs", 0, "shot_id"), "Input should be a valid UUID", "uuid_parsing"),
            errors.Violation(("name",), "Field required", "missing"),
        ]
    )
    status = sent(exc)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert status.message == exc.message
    bad_request = rich_status.detail(status, error_details_pb2.BadRequest)
    assert bad_request is not None
    assert [(v.field, v.description, v.reason) for v in bad_request.field_violations] == [
        ("specs[0].shot_id", "Input should be a valid UUID", "uuid_parsing"),
        ("name", "Field required", "missing"),
    ]
    assert rich_status.field_violations(status) == exc.violations
    assert rich_status.error_reason(status) is None


@pytest.mark.parametrize(
    ("exc", "reason"),
    [(errors.BadRequest("Needs one outfit"), "RULE_VIOLATED"), (errors.TooLarge("Over"), "TOO_LARGE")],
)
def test_a_precondition_with_its_own_public_meaning_carries_an_error_info_reason(
    exc: errors.DomainError, reason: str
) -> None:
    status = sent(exc)
    assert status.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert rich_status.error_reason(status) == reason
    info = rich_status.detail(status, error_details_pb2.ErrorInfo)
    assert info is not None and info.domain == rich_status.ERROR_DOMAIN


def test_a_plain_conflict_has_no_reason_and_no_violations() -> None:
    status = sent(errors.Conflict("Already approved"))
    assert status.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert rich_status.error_reason(status) is None
    assert rich_status.field_violations(status) == []
    assert list(status.details) == []


def test_a_quota_says_when_to_retry() -> None:
    status = sent(errors.TooManyRequests("Over the hourly budget", retry_after=120))
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    assert rich_status.retry_after_seconds(status) == 120


def test_a_call_without_details_reads_as_an_empty_status() -> None:
    garbled = grpc.aio.AioRpcError(
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", b"\xff\xff not a status")),
    )
    assert rich_status.field_violations(rich_status.read_status(garbled)) == []


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("shot_id",), "shot_id"),
        (("specs", 0, "shot_id"), "specs[0].shot_id"),
        (("images", 12), "images[12]"),
        (("filters", "size (EU)"), "filters.`size (EU)`"),
        (("filters", "a`b"), "filters.`a``b`"),
        (("keys", "0"), "keys.`0`"),
    ],
)
def test_field_paths_round_trip_through_their_text(path: FieldPath, text: str) -> None:
    assert to_text(path) == text
    assert from_text(text) == path


def test_text_that_is_no_path_is_kept_as_one_name() -> None:
    assert from_text("a..b") == ("a..b",)
    assert from_text(".a") == (".a",)
