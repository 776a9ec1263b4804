"""The shot statuses and their order come from the contract (ShotStatus in
protos/common/v1/common.proto): the gateway, shots and shootings all read them from there."""

from __future__ import annotations

from gateway.schemas.shootings import SHOT_STATUS_KEYS
from platformkit.protoconv import enum_names
from protos.common.v1 import common_pb2
from services.shootings.shared.statuses import COMPUTED_STATUS_ORDER, SHOT_STATUSES
from services.shots.domain.revisions import SHOT_STATUSES as SHOTS_SHOT_STATUSES


def test_enum_names_are_the_values_without_their_prefix_and_the_unspecified_zero() -> None:
    assert enum_names(common_pb2.ShotStatus) == (
        "PENDING",
        "PROPOSAL",
        "REJECTED",
        "POST_PROD",
        "POST_PROD_REJECTED",
        "REVIEW",
        "APPROVED",
    )


def test_every_context_uses_the_contracts_statuses_in_the_contracts_order() -> None:
    contract = enum_names(common_pb2.ShotStatus)
    assert SHOT_STATUS_KEYS == SHOTS_SHOT_STATUSES == SHOT_STATUSES == contract
    assert ("DRAFT", "READY", *contract) == COMPUTED_STATUS_ORDER
