"""The service-error -> HTTP mapping, on real ``grpc.aio.AioRpcError`` objects carrying the rich
status a service sends (no I/O)."""

from __future__ import annotations

import json
import logging

import grpc
import pytest
from fastapi import Depends, FastAPI, Path, Query
from fastapi.routing import APIRoute

from gateway.errors import BAD_GATEWAY_DETAIL, UNAVAILABLE_DETAIL, domain_error_response, rpc_error_response
from gateway.field_locations import rest_names
from platformkit import errors, rich_status


def rpc_error(code: grpc.StatusCode, message: str = "", exc: errors.DomainError | None = None) -> grpc.aio.AioRpcError:
    """The error a client sees when the service answered ``exc`` (or ``code`` without details)."""
    trailing = grpc.aio.Metadata(*rich_status.trailing_metadata(exc)) if exc is not None else grpc.aio.Metadata()
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details=message, debug_error_string="debug")


def route_of(app: FastAPI) -> APIRoute:
    route = app.routes[-1]
    assert isinstance(route, APIRoute)
    return route


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


@pytest.mark.parametrize(
    ("exc", "status"),
    [(errors.BadRequest("Outfit is foreign"), 400), (errors.TooLarge("Over 10 bytes"), 413)],
)
def test_an_error_info_reason_overrides_the_conflict_default(exc: errors.DomainError, status: int) -> None:
    response = rpc_error_response(rpc_error(grpc.StatusCode.FAILED_PRECONDITION, exc.message, exc))
    assert response.status_code == status
    assert body(response) == {"detail": exc.message}


def test_field_paths_land_in_the_path_query_or_body_of_the_route_that_called() -> None:
    app = FastAPI()

    @app.post("/shootings/{shooting_id}/things")
    async def endpoint(shooting_id: str, organization_id: str | None = Query(None)) -> None: ...

    invalid = errors.Invalid(
        [
            errors.Violation(("shooting_id",), "Input should be a valid UUID", "uuid_parsing"),
            errors.Violation(("organization_id",), "Not a member", "permission"),
            errors.Violation(("default_guidelines_id",), "Unknown guidelines"),
            errors.Violation(("images", 0, "url"), "Not a URL"),
            errors.Violation((), "Too many things"),
        ]
    )
    response = rpc_error_response(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "ignored", invalid), route_of(app))
    assert response.status_code == 422
    assert body(response) == {
        "detail": [
            {"loc": ["path", "shooting_id"], "msg": "Input should be a valid UUID", "type": "uuid_parsing"},
            {"loc": ["query", "organization_id"], "msg": "Not a member", "type": "permission"},
            {"loc": ["body", "default_guidelines_id"], "msg": "Unknown guidelines", "type": "value_error"},
            {"loc": ["body", "images", "0", "url"], "msg": "Not a URL", "type": "value_error"},
            {"loc": ["body"], "msg": "Too many things", "type": "value_error"},
        ]
    }


def test_a_route_renames_the_fields_its_public_api_names_differently() -> None:
    app = FastAPI()

    @app.get("/shots/{shot_id}/generations/{generation_id}")
    @rest_names(specs=("body", "generations"), query_organization_id=("query", "organization_id"), filters=("query",))
    async def endpoint(shot_id: str, generation_id: str) -> None: ...

    invalid = errors.Invalid(
        [
            errors.Violation(("specs", 2, "shot_id"), "Unknown shot"),
            errors.Violation(("query_organization_id",), "Not a member"),
            errors.Violation(("filters", "size (EU)"), "Unknown filter", "extra_forbidden"),
            errors.Violation(("id",), "Input should be a valid UUID", "uuid_parsing"),
        ]
    )
    response = rpc_error_response(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "", invalid), route_of(app))
    assert [item["loc"] for item in body(response)["detail"]] == [  # type: ignore[index]
        ["body", "generations", "2", "shot_id"],
        ["query", "organization_id"],
        ["query", "size (EU)"],
        ["path", "generation_id"],
    ]


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
    quota = errors.TooManyRequests("Over the hourly budget", retry_after=120)
    response = rpc_error_response(rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "Over the hourly budget", quota))
    assert response.status_code == 429
    assert body(response) == {"detail": "Over the hourly budget"}
    assert response.headers["retry-after"] == "120"


def test_grpcs_own_size_limits_are_502_not_a_quota_to_retry(caplog: pytest.LogCaptureFixture) -> None:
    """gRPC refuses a call over its metadata or message limits as RESOURCE_EXHAUSTED with no details:
    the same call fails again however long the client waits, so it is the platform's fault."""
    refusal = "received metadata size exceeds hard limit (value length 26358 vs. 16384)"
    with caplog.at_level(logging.ERROR, logger="gateway.errors"):
        response = rpc_error_response(rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, refusal))
    assert response.status_code == 502
    assert body(response) == {"detail": BAD_GATEWAY_DETAIL}
    assert "retry-after" not in response.headers
    assert refusal in caplog.text


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
    via_grpc = rpc_error_response(rpc_error(code, exc.message, exc))
    direct = domain_error_response(exc)
    assert direct.status_code == via_grpc.status_code == status
    assert body(direct) == body(via_grpc) == {"detail": exc.message}


def test_domain_invalid_uses_its_violations() -> None:
    response = domain_error_response(errors.Invalid.at(("body", "user_id"), "User not found"))
    assert response.status_code == 422
    assert body(response) == {"detail": [{"loc": ["body", "user_id"], "msg": "User not found", "type": "value_error"}]}


def test_query_parameters_of_dependencies_and_aliased_path_parameters_count_too() -> None:
    app = FastAPI()

    def paging(skip: int = 0, limit: int = Query(100)) -> None: ...

    @app.get("/products/{product_id}/mappings")
    async def endpoint(
        entry_id: str = Path(alias="product_id"), _: None = Depends(paging), shooting_id: str | None = None
    ) -> None: ...

    invalid = errors.Invalid(
        [
            errors.Violation(("page", "limit"), "Input should be between 0 and 1000", "less_than_equal"),
            errors.Violation(("shooting_id",), "Input should be a valid UUID", "uuid_parsing"),
            errors.Violation(("product_id",), "Input should be a valid UUID", "uuid_parsing"),
        ]
    )
    response = rpc_error_response(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "", invalid), route_of(app))
    assert [item["loc"] for item in body(response)["detail"]] == [  # type: ignore[index]
        ["query", "limit"],
        ["query", "shooting_id"],
        ["path", "product_id"],
    ]
