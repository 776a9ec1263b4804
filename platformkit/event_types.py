"""The event vocabulary as the contract defines it (protos/events/v1/event_types.proto): the
type names, each the ``type_name`` option of an ``events.v1.EventType`` value, and the topic each
payload message travels on, its ``topic`` option.

``EventType.SHOOTING_CREATED == "shooting.created"``: members are strings, so they go wherever an
envelope's or an outbox row's type goes, and compare equal to the type a consumer reads. Publishers
and consumers name members, never the strings (tests/unit/test_contract_vocabulary.py checks it).
"""

from __future__ import annotations

import functools
from enum import StrEnum

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from platformkit.protoconv import enum_option_values
from platformkit.topics import Topic
from protos.events.v1 import event_types_pb2

EventType = StrEnum("EventType", enum_option_values(event_types_pb2.EventType, event_types_pb2.type_name))  # type: ignore[misc]
EventType.__doc__ = "An event type; its value is the name envelopes and outbox rows carry."


@functools.cache
def contract_topic(descriptor: Descriptor) -> str:
    """The topic a payload message's contract states ("" when it states none)."""
    return descriptor.GetOptions().Extensions[event_types_pb2.topic]


def ensure_contract_topic(topic: Topic, payload: Message) -> None:
    """Refuse a payload on another topic than the one its message's contract states (the
    ``events.v1.topic`` option); messages stating none (tests' own) go anywhere."""
    stated = contract_topic(payload.DESCRIPTOR)
    if stated and stated != topic.name:
        raise ValueError(f"{payload.DESCRIPTOR.full_name} travels on {stated}, not on {topic.name}")
