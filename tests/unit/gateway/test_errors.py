"""The service-error -> HTTP mapping, on real ``grpc.aio.AioRpcError`` objects (no I/O)."""

from __future__ import annotations

import json
import logging

import grpc
import pytest

from gateway.errors import BAD_GATEWAY_DETAIL, UNAVAILABLE_DETAIL, domain_error_response, rpc_error_response
from platformkit import errors
from platformkit.rpc import ERROR_DETAILS_KEY, error_details
from protos.common.v1 import common_pb2


def rpc_error(
    code: grpc.StatusCode, message: str = "", details: common_pb2.ErrorDetails | None = None
) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata()
    if details is not None:
        trailing = grpc.aio.Metadata((ERROR_DETAILS_KEY, details.SerializeToString()))
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details=message, debug_error_string="debug")


def body(response) -> object:  # type: ignore[no-untyped-def]
    return json.loads(response.body)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.ALREADY_EXISTS, 409),
    ],
)
def test_client_errors_carry_the_service_message(code: grpc.StatusCode, status: int) -> None:
    response = rpc_error_response(rpc_error(code, "Shooting not found"))
    assert response.status_code == status
    assert body(response) == {"detail": "Shooting not found"}


def test_a_missing_message_gets_a_default_one() -> None:
    assert body(rpc_error_response(rpc_error(grpc.StatusCode.PERMISSION_DENIED))) == {
        "detail": "Not enough permissions"
    }


def test_http_status_in_the_details_overrides_the_conflict_default() -> None:
    details = common_pb2.ErrorDetails(http_status=400)
    response = rpc_error_response(rpc_error(grpc.StatusCode.FAILED_PRECONDITION, "Outfit is foreign", details))
    assert response.status_code == 400
    assert body(response) == {"detail": "Outfit is foreign"}


def test_invalid_argument_becomes_fastapi_validation_shape() -> None:
    details = common_pb2.ErrorDetails()
    details.violations.add(loc=["body", "default_guidelines_id"], msg="Unknown guidelines", type="value_error")
    details.violations.add(loc=["query", "organization_id"], msg="Not a member", type="permission")
    response = rpc_error_response(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "ignored summary", details))
    assert response.status_code == 422
    assert body(response) == {
        "detail": [
            {"loc": ["body", "default_guidelines_id"], "msg": "Unknown guidelines", "type": "value_error"},
            {"loc": ["query", "organization_id"], "msg": "Not a member", "type": "permission"},
        ]
    }


def test_invalid_argument_without_details_falls_back_to_one_body_item() -> None:
    response = rpc_error_response(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "phase is required"))
    assert response.status_code == 422
    assert body(response) == {"detail": [{"loc": ["body"], "msg": "phase is required", "type": "value_error"}]}


def test_unauthenticated_is_401_with_a_bearer_challenge() -> None:
    response = rpc_error_response(rpc_error(grpc.StatusCode.UNAUTHENTICATED, "no principal in the call metadata"))
    assert response.status_code == 401
    assert body(response) == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
def test_unreachable_services_are_503_with_retry_after(code: grpc.StatusCode) -> None:
    response = rpc_error_response(rpc_error(code, "connection refused"))
    assert response.status_code == 503
    assert body(response) == {"detail": UNAVAILABLE_DETAIL}
    assert int(response.headers["retry-after"]) > 0


def test_an_exhausted_quota_is_429_with_the_services_retry_after_and_reason() -> None:
    details = common_pb2.ErrorDetails(retry_after_seconds=120)
    response = rpc_error_response(rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "Over the hourly budget", details))
    assert response.status_code == 429
    assert body(response) == {"detail": "Over the hourly budget"}
    assert response.headers["retry-after"] == "120"


@pytest.mark.parametrize("code", [grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS])
def test_other_failures_are_502_without_leaking_the_message(
    code: grpc.StatusCode, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="gateway.errors"):
        response = rpc_error_response(rpc_error(code, "secret stack trace"))
    assert response.status_code == 502
    assert body(response) == {"detail": BAD_GATEWAY_DETAIL}
    assert "secret stack trace" in caplog.text


@pytest.mark.parametrize(
    ("exc", "code", "status"),
    [
        (errors.NotFound("User not found"), grpc.StatusCode.NOT_FOUND, 404),
        (errors.PermissionDenied("Only the owner"), grpc.StatusCode.PERMISSION_DENIED, 403),
        (errors.Conflict("Email taken"), grpc.StatusCode.FAILED_PRECONDITION, 409),
        (errors.BadRequest("Finalize needs one outfit"), grpc.StatusCode.FAILED_PRECONDITION, 400),
        (errors.TooLarge("The image exceeds the 10 byte limit"), grpc.StatusCode.FAILED_PRECONDITION, 413),
    ],
)
def test_domain_errors_answer_like_their_grpc_form(exc: errors.DomainError, code: grpc.StatusCode, status: int) -> None:
    """Raised in the gateway or raised in a service and sent over gRPC: the same HTTP answer."""
    via_grpc = rpc_error_response(rpc_error(code, exc.message, error_details(exc)))
    direct = domain_error_response(exc)
    assert direct.status_code == via_grpc.status_code == status
    assert body(direct) == body(via_grpc) == {"detail": exc.message}


def test_domain_invalid_uses_its_violations() -> None:
    response = domain_error_response(errors.Invalid.at(("body", "user_id"), "User not found"))
    assert response.status_code == 422
    assert body(response) == {"detail": [{"loc": ["body", "user_id"], "msg": "User not found", "type": "value_error"}]}
