"""Looks (production requests) as answer dictionaries: the fields of ProductionRequestPublic (a
full look with its shots and outfits) and of ProductionRequestSummary (the board's summary).

A look's answer gathers data from three contexts: the look and the catalog entries it names
(shootings), its shots and revisions (shots), its outfit and proposals (outfits). The routes fetch
each once per page and :class:`LookAnswers` assembles the answers: every lookup is a dictionary,
whatever the page holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from gateway.answers import Fields
from gateway.answers.catalog import EntryFields
from gateway.answers.outfits import OutfitsView
from gateway.answers.shots import NO_PUSHES, PushView, shot_fields, shot_summary_fields
from gateway.protoconv import dt, value
from gateway.schemas.catalog import PosePresetPublic, SetDesignPublic, ShotTypePublic
from protos.shootings.v1 import catalog_pb2
from protos.shootings.v1 import looks_pb2 as pb
from protos.shots.v1 import shots_pb2

# The product's stored fields a look's answer carries (``product_sku``, ``product_cover_image_url``).
LOOK_PRODUCT_FIELDS = ("sku", "cover_image_url")


class LookAnswers:
    """The answers of one page of looks (``page``: the looks and the entries they name)."""

    def __init__(
        self,
        page: pb.LooksPage,
        shots: Iterable[shots_pb2.Shot],
        assignees: Mapping[str, Fields],
        outfits: OutfitsView | None = None,
        pushes: PushView = NO_PUSHES,
    ) -> None:
        self.entries = EntryFields({e.id: e for e in page.entries})
        self.shots: dict[str, list[shots_pb2.Shot]] = defaultdict(list)
        for shot in shots:
            self.shots[shot.look_id].append(shot)
        self.assignees = assignees
        self.outfits = outfits or OutfitsView()
        self.pushes = pushes
        self._products: dict[str, dict[str, Any]] = {}

    def _product(self, product_id: str) -> tuple[catalog_pb2.CatalogEntry | None, Mapping[str, Any]]:
        product = self.entries.entries.get(product_id)
        if product is None:
            return None, {}
        if product_id not in self._products:
            # Only what a look shows of its product: reading a Struct's value is Python work, and
            # converting every field of a hundred products showed in the board's profile (6%).
            fields = product.fields
            self._products[product_id] = {key: fields[key] for key in LOOK_PRODUCT_FIELDS if key in fields}
        return product, self._products[product_id]

    def _shot_type(self, shot: shots_pb2.Shot) -> Fields | None:
        return self.entries.get(ShotTypePublic, shot.shot_type_id)

    def _common(self, look: pb.Look) -> Fields:
        product, fields = self._product(look.product_id)
        assignee_id = value(look, "assignee_id")
        return {
            "id": look.id,
            "created_at": dt(look, "created_at"),
            "updated_at": dt(look, "updated_at"),
            "shooting_id": look.shooting_id,
            "product_id": value(look, "product_id"),
            "product_name": product.name if product else None,
            "product_sku": fields.get("sku"),
            "product_cover_image_url": fields.get("cover_image_url"),
            "readiness": look.readiness,
            "shot_status": value(look, "shot_status"),
            "assignee_id": assignee_id,
            "assignee": self.assignees.get(assignee_id) if assignee_id else None,
        }

    def public(self, look: pb.Look) -> Fields:
        """ProductionRequestPublic's fields."""
        subject = self.entries.entries.get(look.subject_id)
        presets = (self.entries.get(PosePresetPublic, i) for i in look.pose_preset_ids)
        return {
            **self._common(look),
            "subject_id": value(look, "subject_id"),
            "subject_name": subject.name if subject else None,
            "style_id": value(look, "style_id"),
            "resolution_preset_id": value(look, "resolution_preset_id"),
            "width": value(look, "width"),
            "height": value(look, "height"),
            "background_preset_id": value(look, "background_preset_id"),
            "set_design_id": value(look, "set_design_id"),
            "set_design": self.entries.get(SetDesignPublic, look.set_design_id) if look.set_design_id else None,
            "export_configuration_id": value(look, "export_configuration_id"),
            "pose_presets": [preset for preset in presets if preset is not None],
            "generative_workflow_template_id": value(look, "generative_workflow_template_id"),
            "use_subject_mannequin_double": value(look, "use_subject_mannequin_double"),
            "deleted_at": dt(look, "deleted_at"),
            "shots": [shot_fields(s, self._shot_type(s), self.pushes) for s in self.shots.get(look.id, [])],
            **self.outfits.look_fields(look.id, value(look, "outfit_id")),
        }

    def summary(self, look: pb.Look) -> Fields:
        """ProductionRequestSummary's fields."""
        return {
            **self._common(look),
            **self.outfits.summary_fields(look.id),
            "shots": [shot_summary_fields(s, self._shot_type(s), self.pushes) for s in self.shots.get(look.id, [])],
        }
