"""The part of `make demo` that leaves a board worth looking at: looks of the demo shooting with
generated images, some approved, one rejected, some still proposals, one not generated yet.

Everything goes through the public API as a production team would do it: create looks (one
subject wearing one product, three shot types, back view included), start their generations,
wait for the generation worker to finish them, then review. The back view of each look stays
PENDING (generation skips back views), which the board shows as well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

# (subject name, product type) of each look, and what the review does to its generated shots.
LOOKS = [
    ("Alba", "knit sweater", "approve"),
    ("Marco", "wool coat", "approve"),
    ("Chiara", "pleated skirt", "reject-first"),
    ("Jonas", "chinos", "keep"),
    ("Alba", "tote bag", "approve-first"),
    ("Chiara", "shirt", "not-generated"),
]
SHOT_TYPE_NAMES = ("Front full body", "Front upper body", "Back full body")
RENDER_SIZE = (240, 360)  # small renders keep the demo quick; thumbnails need no more
GENERATION_TIMEOUT_SECONDS = 180.0


@dataclass
class DemoBoard:
    client: httpx.Client
    created: dict[str, Any]
    looks: list[dict[str, Any]] = field(default_factory=list)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.request(method, path, json=body)
        if response.status_code != 200:
            raise SystemExit(f"{method} {path} failed: {response.status_code} {response.text}")
        return response.json()

    def build(self) -> list[dict[str, Any]]:
        shooting = self.created["shooting"]["id"]
        subjects = {s["name"]: s for s in self.created["subjects"]}
        shot_types = [s["id"] for s in self.created["shot_types"] if s["name"] in SHOT_TYPE_NAMES]
        for subject_name, product_type, _ in LOOKS:
            subject = subjects[subject_name]
            product = next(
                p
                for p in self.created["products"]
                if p["product_type"] == product_type and p["gender"] in (subject["gender"], "UNISEX")
            )
            body = {
                "product_ids": [product["id"]],
                "subject_ids": [subject["id"]],
                "shot_type_ids": shot_types,
                "readiness": "READY",
                "default_width": RENDER_SIZE[0],
                "default_height": RENDER_SIZE[1],
            }
            created = self._call("POST", f"/shootings/{shooting}/production-requests", body)
            self.looks.extend(created["production_requests"])
        for look, (_, _, review) in zip(self.looks, LOOKS, strict=True):
            if review != "not-generated":
                self._call("POST", f"/shootings/production-requests/{look['id']}/start-generations", {})
        self._wait_for_images()
        for look, (_, _, review) in zip(self.looks, LOOKS, strict=True):
            self._review(look, review)
        return self._call("GET", f"/shootings/{shooting}/production-requests?limit=1000")["data"]

    def _generated_shots(self, look: dict[str, Any]) -> list[dict[str, Any]]:
        shots = self._call("GET", f"/shootings/production-requests/{look['id']}")["shots"]
        return [s for s in shots if s["shot_type"]["view_angle"] != "BACK"]

    def _wait_for_images(self) -> None:
        """Until every generated shot has a current revision (the worker appended it)."""
        expected = [look for look, spec in zip(self.looks, LOOKS, strict=True) if spec[2] != "not-generated"]
        deadline = time.monotonic() + GENERATION_TIMEOUT_SECONDS
        while True:
            waiting = sum(
                1 for look in expected for shot in self._generated_shots(look) if not shot["current_revision_id"]
            )
            if waiting == 0:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"{waiting} shots still without an image after {GENERATION_TIMEOUT_SECONDS:.0f}s")
            time.sleep(0.5)

    def _review(self, look: dict[str, Any], review: str) -> None:
        shots = self._generated_shots(look)
        decisions = {
            "approve": ["approve"] * len(shots),
            "approve-first": ["approve"],
            "reject-first": ["reject"],
        }.get(review, [])
        for shot, decision in zip(shots, decisions, strict=False):
            body = {"notes": "Sleeve length off, regenerate"} if decision == "reject" else {}
            self._call("POST", f"/shots/{shot['id']}/{decision}", body)
