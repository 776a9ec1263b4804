"""The shared vocabulary comes from the contracts, and nothing spells it again.

- Shot statuses and their order: ``ShotStatus`` in protos/common/v1/common.proto; the gateway,
  shots and shootings all read them from there.
- Event types: ``events.v1.EventType`` (protos/events/v1/event_types.proto), each value carrying
  its name on the wire; code names ``platformkit.event_types.EventType`` members, and an ast scan
  of the sources finds no event type name spelled as a string anywhere else. The names are pinned
  here, the one place allowed to spell them: outbox rows and records in flight carry them.
- Topics: each event payload message states its topic (the ``events.v1.topic`` option); the
  stated topics are exactly the fact and work topics of ``platformkit/topics.py``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.wrappers_pb2 import StringValue

from gateway.schemas.shootings import SHOT_STATUS_KEYS
from platformkit.event_types import EventType, contract_topic, ensure_contract_topic
from platformkit.protoconv import enum_names
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH, SHOOTINGS_EVENTS, SHOTS_EVENTS
from protos.common.v1 import common_pb2
from protos.events.v1 import (
    event_types_pb2,
    exports_pb2,
    looks_pb2,
    outfits_pb2,
    productions_pb2,
    shootings_pb2,
    shots_pb2,
)
from services.shootings.shared.statuses import COMPUTED_STATUS_ORDER, SHOT_STATUSES
from services.shots.domain.revisions import SHOT_STATUSES as SHOTS_SHOT_STATUSES

ROOT = Path(__file__).resolve().parents[2]
# Every Python source of the repository but the generated code (and this file, which pins the names).
SCANNED_FOLDERS = ("services", "gateway", "platformkit", "tests", "bench", "devstack", "tools", "deploy")
EVENT_MODULES = (shootings_pb2, productions_pb2, looks_pb2, shots_pb2, outfits_pb2, exports_pb2)

# The wire names as published since the first release; a rename would strand outbox rows and
# records in flight, so changing this list is a migration, not a refactoring.
WIRE_NAMES = {
    "shootings.events": [
        "shooting.created",
        "shooting.updated",
        "shooting.deleted",
        "shooting.restored",
        "shooting.phase_changed",
        "production.created",
        "production.updated",
        "production.deleted",
        "look.created",
        "look.updated",
        "look.deleted",
        "look.restored",
    ],
    "shots.events": [
        "shot.created",
        "shot.updated",
        "shot.status_changed",
        "shot.deleted",
        "shot.revision_created",
        "shot.revision_deleted",
        "generation.queued",
        "generation.processing",
        "generation.completed",
        "generation.failed",
    ],
    "generation.requests": ["generation.requested"],
    "outfits.events": ["outfit.created", "outfit.updated", "outfit.selected", "outfit.deleted"],
    "styling.requests": ["styling.requested"],
    "exports.events": ["push.created", "push.status_changed"],
    "export.pushes": ["push.requested"],
}


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


# -- event types --------------------------------------------------------------------------------


def test_event_types_are_the_contracts_names_and_those_never_change() -> None:
    assert [member.value for member in EventType] == [name for names in WIRE_NAMES.values() for name in names]
    assert EventType.SHOOTING_CREATED == "shooting.created" and EventType("look.deleted") is EventType.LOOK_DELETED
    assert len(event_types_pb2.EventType.DESCRIPTOR.values) == len(EventType) + 1  # and UNSPECIFIED


def _strings(tree: ast.AST) -> Iterator[ast.Constant]:
    """The string literals of a module, docstrings left out (prose may name an event type)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def _sources() -> Iterator[Path]:
    for folder in SCANNED_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "_pb2" not in path.name and path != Path(__file__).resolve():
                yield path


def test_no_event_type_name_is_spelled_outside_the_contract() -> None:
    # A name as a whole word: "shot.created" alone, in an SQL literal or in a message.
    names = sorted((member.value for member in EventType), key=len, reverse=True)
    spelled = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)")
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in _sources()
        for node in _strings(ast.parse(path.read_text(), str(path)))
        if spelled.search(node.value)
    ]
    assert not found, "name platformkit.event_types.EventType members instead:\n" + "\n".join(found)


def test_the_scan_sees_a_spelled_name() -> None:
    tree = ast.parse('"""Publishes shot.created."""\nTYPE = "shot.created"\nSQL = "WHERE t = \'look.deleted\'"\n')
    assert [node.value for node in _strings(tree)] == ["shot.created", "WHERE t = 'look.deleted'"]


# -- topics -------------------------------------------------------------------------------------


def _payloads() -> Iterator[Descriptor]:
    for module in EVENT_MODULES:
        yield from module.DESCRIPTOR.message_types_by_name.values()


def test_every_stated_topic_is_in_the_catalogue_and_every_topic_is_stated() -> None:
    stated = {contract_topic(message) for message in _payloads()} - {""}
    catalogue = {topic.name for topic in ALL_TOPICS if topic != BROKER_EPOCH}
    assert stated == catalogue == set(WIRE_NAMES)


def test_the_messages_an_event_carries_state_its_topic() -> None:
    # Snapshots and states embedded in payloads state none: they never travel alone.
    assert {message.name: contract_topic(message) for message in _payloads() if contract_topic(message)} == {
        **dict.fromkeys(
            ["ShootingCreated", "ShootingUpdated", "ShootingDeleted", "ShootingRestored", "ShootingPhaseChanged"],
            "shootings.events",
        ),
        **dict.fromkeys(["ProductionCreated", "ProductionUpdated", "ProductionDeleted"], "shootings.events"),
        **dict.fromkeys(["LookCreated", "LookChanged"], "shootings.events"),
        "ShotState": "shots.events",
        "GenerationState": "shots.events",
        "GenerationRequested": "generation.requests",
        "OutfitChanged": "outfits.events",
        "StylingRequested": "styling.requests",
        "PushChanged": "exports.events",
        "PushRequested": "export.pushes",
    }


def test_the_outbox_refuses_a_payload_on_another_topic_than_its_own() -> None:
    ensure_contract_topic(SHOTS_EVENTS, shots_pb2.ShotState())
    ensure_contract_topic(SHOOTINGS_EVENTS, StringValue())  # states none
    refusal = "events.v1.ShotState travels on shots.events, not on shootings.events"
    with pytest.raises(ValueError, match=re.escape(refusal)):
        ensure_contract_topic(SHOOTINGS_EVENTS, shots_pb2.ShotState())
