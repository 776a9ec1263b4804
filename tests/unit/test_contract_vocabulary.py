"""The shared vocabulary comes from the contracts, and nothing spells it again.

- Shot statuses and their order: ``ShotStatus`` in protos/common/v1/common.proto; the gateway,
  shots and shootings all read them from there.
- Event types: ``events.v1.EventType`` (protos/events/v1/event_types.proto), each value carrying
  its name on the wire; code names ``platformkit.event_types.EventType`` members, and an ast scan
  of the sources finds no event type name spelled as a string anywhere else. The names are pinned
  here, the one place allowed to spell them: outbox rows and records in flight carry them.
- Topics: each event payload message states its topic (the ``events.v1.topic`` option); the
  stated topics are exactly the fact and work topics of ``platformkit/topics.py``.
- Kinds and phases (view angles, framings, genders, age classes, subject types, look readiness,
  production kinds, shooting phases): contract enums, which the public schema declares as they
  are and the services validate and compare against.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.wrappers_pb2 import StringValue

from gateway.app import create_app
from gateway.schemas.shootings import SHOT_STATUS_KEYS
from gateway.settings import GatewaySettings
from platformkit.event_types import EventType, contract_topic, ensure_contract_topic
from platformkit.protoconv import enum_name, enum_names, enum_number
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH, SHOOTINGS_EVENTS, SHOTS_EVENTS
from protos.common.v1 import common_pb2
from protos.events.v1 import event_types_pb2
from protos.events.v1 import exports_pb2 as export_events
from protos.events.v1 import looks_pb2 as look_events
from protos.events.v1 import outfits_pb2 as outfit_events
from protos.events.v1 import productions_pb2 as production_events
from protos.events.v1 import shootings_pb2 as shooting_events
from protos.events.v1 import shots_pb2 as shot_events
from protos.shootings.v1 import catalog_pb2, productions_pb2
from protos.shootings.v1 import shootings_pb2 as shootings_pb2
from services.shootings.catalog import kinds
from services.shootings.productions.rules import ProductionKind
from services.shootings.shared.statuses import COMPUTED_STATUS_ORDER, READINESS, SHOT_STATUSES
from services.shootings.shootings.phases import Phase
from services.shots.domain.generation import ViewAngle
from services.shots.domain.revisions import SHOT_STATUSES as SHOTS_SHOT_STATUSES

ROOT = Path(__file__).resolve().parents[2]
# Every Python source of the repository but the generated code (and this file, which pins the names).
SCANNED_FOLDERS = ("services", "gateway", "platformkit", "tests", "bench", "devstack", "tools", "deploy")
EVENT_MODULES = (shooting_events, production_events, look_events, shot_events, outfit_events, export_events)

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


# The public schema's enumerations and the contract enums they are.
PUBLIC_ENUMS = {
    "ViewAngle": common_pb2.ViewAngle,
    "ShotTypeFraming": common_pb2.ShotTypeFraming,
    "Gender": catalog_pb2.Gender,
    "ProductGender": catalog_pb2.ProductGender,
    "SubjectAgeClass": catalog_pb2.SubjectAgeClass,
    "AgeClass": catalog_pb2.SubjectAgeClass,
    "SubjectType": catalog_pb2.SubjectType,
    "ProductionRequestReadiness": common_pb2.LookReadiness,
    "ProductionKind": productions_pb2.ProductionKind,
    "ShootingPhase": shootings_pb2.ShootingPhase,
    "ProductionRequestStatusKey": common_pb2.ShotStatus,
}


@pytest.fixture(scope="module")
def public_schemas() -> dict[str, Any]:
    settings = GatewaySettings(database_url="postgresql+asyncpg://unused/unused")
    return create_app(settings).openapi()["components"]["schemas"]


@pytest.mark.parametrize(("schema", "enum"), PUBLIC_ENUMS.items(), ids=PUBLIC_ENUMS)
def test_the_public_schema_declares_the_contracts_enums(public_schemas, schema: str, enum: Any) -> None:
    assert tuple(public_schemas[schema]["enum"]) == enum_names(enum)


def test_the_computed_statuses_are_readiness_then_shot_statuses(public_schemas) -> None:
    computed = (*enum_names(common_pb2.LookReadiness), *enum_names(common_pb2.ShotStatus))
    assert computed == COMPUTED_STATUS_ORDER
    assert tuple(public_schemas["ShootingStatus"]["enum"]) == computed
    assert tuple(public_schemas["ProductionRequestComputedStatus"]["enum"]) == computed


def test_the_services_validate_and_compare_against_the_contracts_enums() -> None:
    assert get_args(kinds.ViewAngle) == tuple(ViewAngle) == enum_names(common_pb2.ViewAngle)
    assert get_args(kinds.ShotTypeFraming) == enum_names(common_pb2.ShotTypeFraming)
    assert get_args(kinds.Gender) == enum_names(catalog_pb2.Gender)
    assert get_args(kinds.ProductGender) == enum_names(catalog_pb2.ProductGender)
    assert get_args(kinds.AgeClass) == enum_names(catalog_pb2.SubjectAgeClass)
    assert get_args(kinds.SubjectType) == enum_names(catalog_pb2.SubjectType)
    assert enum_names(common_pb2.LookReadiness) == READINESS
    assert tuple(ProductionKind) == enum_names(productions_pb2.ProductionKind)
    assert tuple(Phase) == enum_names(shootings_pb2.ShootingPhase)


def test_enum_numbers_and_names_translate_both_ways() -> None:
    assert enum_number(productions_pb2.ProductionKind, "TEST") == productions_pb2.PRODUCTION_KIND_TEST
    assert enum_name(productions_pb2.ProductionKind, productions_pb2.PRODUCTION_KIND_TEST) == "TEST"
    assert enum_name(productions_pb2.ProductionKind, 0) is None


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
    ensure_contract_topic(SHOTS_EVENTS, shot_events.ShotState())
    ensure_contract_topic(SHOOTINGS_EVENTS, StringValue())  # states none
    refusal = "events.v1.ShotState travels on shots.events, not on shootings.events"
    with pytest.raises(ValueError, match=re.escape(refusal)):
        ensure_contract_topic(SHOOTINGS_EVENTS, shot_events.ShotState())
