"""The messages of the live WebSocket (``WS /api/v1/ws``): one Pydantic model per message type.

These models are the contract: the socket validates what clients send with them, builds what it
sends with them, and ``GET /api/v1/schema`` publishes their JSON schema (:func:`message_schema`),
so the documentation cannot drift from the wire. Every message is a JSON object whose ``type``
says which model it is (a discriminated union).

Client to server: ``auth`` (first, within the auth timeout), then ``subscribe``/``unsubscribe``
per shooting and ``ping`` at will. Server to client: ``auth_success``/``auth_error``;
``subscribed``/``unsubscribed``/``error`` answering the client; ``shot`` and ``generation``
events (each with the ``event_id`` clients de-duplicate on); ``resync_required`` when the
server cannot say what a subscription missed; ``pong``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _type_is_required(schema: dict[str, Any]) -> None:
    # Server messages default their ``type`` (so the code never repeats it), yet it is always
    # on the wire: the published schema says so.
    schema["required"] = ["type", *schema.get("required", [])]


class _ServerMessage(_Message):
    model_config = ConfigDict(json_schema_extra=_type_is_required)


# -- client to server -------------------------------------------------------------------------


class AuthMessage(_Message):
    """The first message: an access token from ``POST /login/access-token``. ``organization_id``
    chooses the organization context (subscriptions are then limited to its shootings); null is
    the personal context (every shooting the user may see)."""

    type: Literal["auth"]
    token: str
    organization_id: uuid.UUID | None = None


class SubscribeMessage(_Message):
    """Receive the events of one shooting. ``since`` (the ``event_id`` of the last event received,
    or a date-time; naive is UTC) replays what the replay buffer holds after it, or answers
    ``resync_required`` when the gap is older than the buffer."""

    type: Literal["subscribe"]
    shooting_id: uuid.UUID
    since: uuid.UUID | datetime | None = None


class UnsubscribeMessage(_Message):
    type: Literal["unsubscribe"]
    shooting_id: uuid.UUID


class PingMessage(_Message):
    """An application-level heartbeat (browsers cannot send WebSocket ping frames); answered by
    ``pong``. The server itself sends WebSocket ping frames, which every client answers."""

    type: Literal["ping"]


_CLIENT = AuthMessage | SubscribeMessage | UnsubscribeMessage | PingMessage
ClientMessage = Annotated[_CLIENT, Field(discriminator="type")]


# -- server to client -------------------------------------------------------------------------


class AuthSuccessMessage(_ServerMessage):
    """``context`` is ``organization`` with an ``organization_id``, else ``personal``; the socket
    closes (code 4001) when the token expires at ``expires_at``."""

    type: Literal["auth_success"] = "auth_success"
    user_id: uuid.UUID
    organization_id: uuid.UUID | None
    context: Literal["personal", "organization"]
    expires_at: datetime


class AuthErrorMessage(_ServerMessage):
    """Sent before the socket closes: bad or expired token, no auth in time, or an organization
    the user is not a member of."""

    type: Literal["auth_error"] = "auth_error"
    error: str


class SubscribedMessage(_ServerMessage):
    """The subscription is live; ``replayed`` events of a ``since`` follow it."""

    type: Literal["subscribed"] = "subscribed"
    shooting_id: uuid.UUID
    replayed: int = 0


class UnsubscribedMessage(_ServerMessage):
    type: Literal["unsubscribed"] = "unsubscribed"
    shooting_id: uuid.UUID


class ErrorMessage(_ServerMessage):
    """A refused or malformed client message; the socket stays open. A shooting the user cannot
    see (or that does not exist) is ``Shooting not found`` either way."""

    type: Literal["error"] = "error"
    error: str
    shooting_id: uuid.UUID | None = None


class ResyncRequiredMessage(_ServerMessage):
    """What the subscription missed cannot be replayed (``since`` older than the replay buffer,
    or the event stream was interrupted): re-read the shooting over REST; the subscription
    itself stays live."""

    type: Literal["resync_required"] = "resync_required"
    shooting_id: uuid.UUID
    reason: str


class PongMessage(_ServerMessage):
    type: Literal["pong"] = "pong"


class ShotMessage(_ServerMessage):
    """A shot changed. ``revision_id`` names the revision of ``revision_created`` and
    ``revision_deleted`` (null otherwise); ``status`` and ``current_revision_id`` are the shot's
    after the change. A new revision that moves the shot's status comes as ``status_changed``
    then ``revision_created``."""

    type: Literal["shot"] = "shot"
    event: Literal["created", "status_changed", "revision_created", "revision_deleted", "deleted"]
    event_id: uuid.UUID
    shooting_id: uuid.UUID
    production_request_id: uuid.UUID
    shot_id: uuid.UUID
    status: str
    current_revision_id: uuid.UUID | None
    revision_id: uuid.UUID | None = None
    occurred_at: datetime


class GenerationMessage(_ServerMessage):
    """A generation moved: ``queued`` (PENDING), ``processing``, ``completed`` (``revision_id``:
    the revision it appended) or ``failed`` (``error``: why)."""

    type: Literal["generation"] = "generation"
    event: Literal["queued", "processing", "completed", "failed"]
    event_id: uuid.UUID
    generation_id: uuid.UUID
    shot_id: uuid.UUID
    production_request_id: uuid.UUID
    shooting_id: uuid.UUID
    status: Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
    error: str | None = None
    revision_id: uuid.UUID | None = None
    occurred_at: datetime


_SERVER = (
    AuthSuccessMessage
    | AuthErrorMessage
    | SubscribedMessage
    | UnsubscribedMessage
    | ErrorMessage
    | ResyncRequiredMessage
    | PongMessage
    | ShotMessage
    | GenerationMessage
)
ServerMessage = Annotated[_SERVER, Field(discriminator="type")]
WebSocketMessage = Annotated[_CLIENT | _SERVER, Field(discriminator="type")]

CLIENT_MESSAGES: TypeAdapter[_CLIENT] = TypeAdapter(ClientMessage)
SERVER_MESSAGES: TypeAdapter[_SERVER] = TypeAdapter(ServerMessage)


def message_schema() -> dict[str, Any]:
    """The JSON schema of every message on the socket: ``WebSocketMessage``, a ``oneOf`` over the
    message models (in ``$defs``) discriminated by ``type``."""
    schema = TypeAdapter(WebSocketMessage).json_schema()
    return {"title": "WebSocketMessage", **schema}
