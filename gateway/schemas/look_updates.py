"""The body of E13 (`PUT`, and `PATCH`, `/shootings/{id}/production-requests/{id}`): ProductionRequestUpdate.

PUT with PATCH semantics (A13): the keys a client sends form the update mask; absent keys stay
unchanged and an explicit null applies (R100: `use_subject_mannequin_double: null` is AUTO,
`assignee_id: null` unassigns, ...), except for `readiness` and `shot_type_ids`, which a look
always has (null is a 422).
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from gateway.schemas.common import NotNull
from gateway.schemas.looks import ProductionRequestReadiness
from gateway.schemas.looks import _LookSettings as LookSettings
from protos.shootings.v1 import looks_pb2 as pb


class ProductionRequestUpdate(LookSettings):
    """Request model for updating a ProductionRequest.

    Note: resolution_preset_id and custom width/height are mutually exclusive.
    Setting one will automatically clear the other during update.
    """

    # The look's settings (style, resolution preset or size, background, export configuration)
    # come from LookSettings, as in E8's per-product configurations.
    subject_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    outfit_id: uuid.UUID | None = Field(
        default=None,
        description="THE outfit is chosen with the manual-outfit and finalize-outfit endpoints; this field "
        "may only repeat the look's current outfit_id (any other value, null included, is 422).",
    )
    readiness: Annotated[ProductionRequestReadiness | None, NotNull] = None
    generative_workflow_template_id: uuid.UUID | None = Field(
        default=None,
        description="Per-PR override for the workflow template. Cross-org templates are rejected (422). "
        "Mutually exclusive with ``use_subject_mannequin_double=True``.",
    )
    use_subject_mannequin_double: bool | None = Field(
        default=None,
        description="Tri-state mannequin-pipeline mode. PATCH-set ``null`` to switch the PR back to AUTO, "
        "``true`` to force mannequin (ON), ``false`` to force regular (OFF). Omit the key to leave the "
        "current value unchanged.",
    )
    assignee_id: uuid.UUID | None = Field(default=None, description="An active user of the platform; null unassigns.")
    shot_type_ids: Annotated[list[uuid.UUID] | None, NotNull] = Field(
        default=None, description="Shots are created for added shot types and deleted for removed ones."
    )
    auto_generate: bool = Field(
        default=True,
        description="When `shot_type_ids` adds shot types, start one generation for each new shot as "
        "start-shot-type-generations would (back views and shot types without a base image are skipped); "
        "false creates the shots without generating.",
    )

    def to_pb(self, shooting_id: uuid.UUID, production_request_id: uuid.UUID) -> pb.UpdateLookRequest:
        """The sent keys become the update mask; a null leaves its optional field unset (explicit null)."""
        request = pb.UpdateLookRequest(
            shooting_id=str(shooting_id), id=str(production_request_id), auto_generate=self.auto_generate
        )
        for name in sorted(self.model_fields_set):
            request.update_mask.paths.append(name)
            current = getattr(self, name)
            if current is None or name == "auto_generate":
                continue
            if name == "shot_type_ids":
                request.shot_type_ids.extend(str(i) for i in current)
            elif isinstance(current, uuid.UUID | StrEnum):
                setattr(request, name, str(current))
            else:
                setattr(request, name, current)
        return request
