"""Public models of looks (production requests) and the bodies of their endpoints.

Answers are shaped by :class:`gateway.answers.looks.LookAnswers` from the three contexts a look
gathers data from; these models are what the OpenAPI document declares for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from gateway.schemas.catalog import PosePresetPublic, SetDesignPublic
from gateway.schemas.common import LongText
from gateway.schemas.outfits import OUTFIT_INSTRUCTION_MAX, ProductionRequestOutfitPublic, RefImage
from gateway.schemas.products import ProductGender
from gateway.schemas.shootings import READINESS_KEYS, ProductionRequestStatusKey
from gateway.schemas.shots import ShotPublic, ShotSummary
from gateway.schemas.users import UserSummary
from platformkit.protoconv import value_enum
from protos.shootings.v1 import looks_pb2 as pb

ProductionRequestReadiness = value_enum("ProductionRequestReadiness", READINESS_KEYS)


Size = Annotated[int, Field(gt=0, le=20_000)]


class _LookSettings(BaseModel):
    style_id: uuid.UUID | None = None
    resolution_preset_id: uuid.UUID | None = None
    width: Size | None = None
    height: Size | None = None
    background_preset_id: uuid.UUID | None = None
    export_configuration_id: uuid.UUID | None = None

    def settings_pb(self) -> pb.LookSettings:
        values = {name: getattr(self, name) for name in pb.LookSettings.DESCRIPTOR.fields_by_name}
        return pb.LookSettings(
            **{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in values.items() if v is not None}
        )


class ProductOutfitConfig(_LookSettings):
    product_id: uuid.UUID = Field(description="ID of the product for this configuration")
    outfit_instruction: str | None = Field(default=None, max_length=OUTFIT_INSTRUCTION_MAX)
    outfit_product_ids: list[uuid.UUID] | None = None
    outfit_ref_imgs_urls: list[RefImage] | None = None

    def to_pb(self) -> pb.ProductOutfitConfig:
        config = pb.ProductOutfitConfig(product_id=str(self.product_id), settings=self.settings_pb())
        given = {"outfit_instruction", "outfit_product_ids", "outfit_ref_imgs_urls"} & self.model_fields_set
        config.has_outfit = bool(given)
        if self.outfit_instruction is not None:
            config.outfit.outfit_instruction = self.outfit_instruction
        config.outfit.outfit_product_ids.extend(str(i) for i in self.outfit_product_ids or [])
        config.outfit.outfit_ref_imgs_urls.extend(
            [
                r if isinstance(r, str) else r.model_dump(mode="json", exclude_none=True)
                for r in self.outfit_ref_imgs_urls or []
            ]
        )
        return config


class GenerateProductionRequestsRequest(BaseModel):
    """Request model for generating ProductionRequests with optional outfit generation via LLM."""

    production_id: uuid.UUID | None = Field(
        default=None, description="Target ShootingProduction. Defaults to the shooting's MAIN production."
    )
    product_ids: list[uuid.UUID] | None = Field(default=None, description="Simple list of product IDs")
    product_outfit_configs: list[ProductOutfitConfig] | None = Field(
        default=None, description="Per-product outfit configurations"
    )
    product_filters: dict[str, Any] | None = Field(
        default=None, description="Product filters matching the read_products endpoint"
    )
    subject_ids: list[uuid.UUID] = []
    shot_type_ids: list[uuid.UUID] = []
    generate_outfit: bool = False
    default_style_id: uuid.UUID | None = None
    default_resolution_preset_id: uuid.UUID | None = None
    default_width: Size | None = None
    default_height: Size | None = None
    default_background_preset_id: uuid.UUID | None = None
    default_export_configuration_id: uuid.UUID | None = None
    default_instructions: LongText = ""
    pose_preset_ids: list[uuid.UUID] | None = Field(default=None, description="Override the guidelines' pose presets")
    set_design_id: uuid.UUID | None = Field(default=None, description="Override the guidelines' set design")
    generative_workflow_template_id: uuid.UUID | None = None
    use_subject_mannequin_double: bool | None = None
    readiness: ProductionRequestReadiness | None = None
    generate_base_images: bool = False
    unisex_gender_preference: ProductGender | None = None

    @property
    def most_new_shots(self) -> int:
        """At most how many shots the request creates (one per product, subject and shot type);
        with products chosen by filters, at least one per subject and shot type."""
        products = len(self.product_ids or []) + len(self.product_outfit_configs or []) or 1
        return min(products * max(len(self.subject_ids), 1) * max(len(self.shot_type_ids), 1), 2**31 - 1)

    @model_validator(mode="after")
    def _mannequin_excludes_template(self) -> GenerateProductionRequestsRequest:
        if self.use_subject_mannequin_double is True and self.generative_workflow_template_id is not None:
            raise ValueError(
                "use_subject_mannequin_double=true is mutually exclusive with generative_workflow_template_id"
            )
        return self

    def to_pb(self, shooting_id: uuid.UUID) -> pb.CreateLooksRequest:
        request = pb.CreateLooksRequest(
            shooting_id=str(shooting_id),
            product_ids=[str(i) for i in self.product_ids or []],
            product_outfit_configs=[c.to_pb() for c in self.product_outfit_configs or []],
            subject_ids=[str(i) for i in self.subject_ids],
            shot_type_ids=[str(i) for i in self.shot_type_ids],
            generate_outfit=self.generate_outfit,
            defaults=_LookSettings(
                **{n: getattr(self, f"default_{n}") for n in _LookSettings.model_fields}
            ).settings_pb(),
            default_instructions=self.default_instructions,
            pose_preset_ids=[str(i) for i in self.pose_preset_ids or []],
            has_pose_preset_ids=self.pose_preset_ids is not None,
            generate_base_images=self.generate_base_images,
        )
        if self.product_filters is not None:
            request.product_filters.update(self.product_filters)
            request.has_product_filters = True
        for name in ("production_id", "set_design_id", "generative_workflow_template_id"):
            if getattr(self, name) is not None:
                setattr(request, name, str(getattr(self, name)))
        if self.use_subject_mannequin_double is not None:
            request.use_subject_mannequin_double = self.use_subject_mannequin_double
        if self.readiness is not None:
            request.readiness = self.readiness.value
        if self.unisex_gender_preference is not None:
            request.unisex_gender_preference = self.unisex_gender_preference.value
        return request


class LookCreate(BaseModel):
    """POST /shootings/{id}/looks: one look."""

    main_product_id: uuid.UUID
    subject_id: uuid.UUID
    style_id: uuid.UUID | None = None
    shot_type_ids: list[uuid.UUID] = []
    production_id: uuid.UUID | None = None

    def to_pb(self, shooting_id: uuid.UUID) -> pb.CreateLookRequest:
        request = pb.CreateLookRequest(
            shooting_id=str(shooting_id),
            main_product_id=str(self.main_product_id),
            subject_id=str(self.subject_id),
            shot_type_ids=[str(i) for i in self.shot_type_ids],
        )
        for name in ("style_id", "production_id"):
            if getattr(self, name) is not None:
                setattr(request, name, str(getattr(self, name)))
        return request


class _LookCommon(BaseModel):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    shooting_id: uuid.UUID
    product_id: uuid.UUID | None = None
    product_name: str | None = None
    product_sku: str | None = None
    product_cover_image_url: str | None = None
    readiness: ProductionRequestReadiness
    shot_status: ProductionRequestStatusKey | None = None  # type: ignore[valid-type]
    assignee_id: uuid.UUID | None = None
    assignee: UserSummary | None = None


class ProductionRequestPublic(_LookCommon):
    """Response model for ProductionRequest."""

    subject_id: uuid.UUID | None = None
    subject_name: str | None = None
    style_id: uuid.UUID | None = None
    resolution_preset_id: uuid.UUID | None = None
    width: int | None = None
    height: int | None = None
    background_preset_id: uuid.UUID | None = None
    set_design_id: uuid.UUID | None = None
    set_design: SetDesignPublic | None = None
    export_configuration_id: uuid.UUID | None = None
    pose_presets: list[PosePresetPublic] = []
    generative_workflow_template_id: uuid.UUID | None = None
    use_subject_mannequin_double: bool | None = None
    deleted_at: datetime | None = None
    shots: list[ShotPublic] = []
    outfit_proposals: list[ProductionRequestOutfitPublic] = []
    outfit_id: uuid.UUID | None = None
    outfit: ProductionRequestOutfitPublic | None = None
    outfit_ref_imgs_urls: list[str] = Field(description="From the selected outfit.")
    outfit_instruction: str | None = Field(description="From the selected outfit.")
    outfit_product_ids: list[uuid.UUID] = Field(description="From the selected outfit.")


class ProductionRequestsPublic(BaseModel):
    data: list[ProductionRequestPublic]
    count: int


class ProductionRequestSummary(_LookCommon):
    outfit_products_count: int = 0
    outfit_generation_status: str | None = None
    shots: list[ShotSummary] = []


class ProductionRequestsSummaryPublic(BaseModel):
    data: list[ProductionRequestSummary]
    count: int


class GenerationCreationResult(BaseModel):
    shot_id: uuid.UUID
    production_request_id: uuid.UUID
    generation_id: uuid.UUID


class GenerateProductionRequestsResponse(BaseModel):
    production_requests: list[ProductionRequestPublic]
    generation_results: list[GenerationCreationResult] = []
    total_generations_created: int = 0
