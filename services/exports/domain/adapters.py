"""Metadata adapters: how an exported image is named and which metadata it carries.

- ``default``: ``<SKU>_<shot type>_v<version>.<ext>``; EXIF and XMP (namespace ``sp``) with the
  product, SKU, shot type, revision and shooting.
- ``ovs``: OVS's naming, ``<SKU>_<shot code>_<NN>.<ext>`` (the shot type's file naming
  convention as its code, else its name in capitals; NN the revision version on two digits),
  and the OVS fields (namespace ``ovs``: article code and description, shot code and type,
  version, shooting, external id when pushing).

An adapter only decides names and values; :mod:`services.exports.rendering` writes them into
the file (EXIF in every format, XMP as each format carries it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
_MAX_STEM = 150


@dataclass(frozen=True)
class ImageFacts:
    """What is known about an exported image; adapters name and describe it from these."""

    revision_id: str
    revision_version: int
    shot_id: str
    production_request_id: str
    product_id: str
    product_name: str | None = None
    sku: str | None = None
    shot_type: str | None = None
    shot_type_code: str | None = None
    shooting_id: str | None = None
    shooting_name: str | None = None
    external_id: str | None = None


def _token(text: str | None, fallback: str) -> str:
    """ASCII letters, digits and ``-`` only: safe in a file name and a Content-Disposition."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return _UNSAFE.sub("-", ascii_text).strip("-") or fallback


@dataclass(frozen=True)
class Adapter:
    """One adapter: its code, its label, an example name, and its XMP namespace."""

    code: str
    display_name: str
    naming_convention_example: str
    namespace: str
    prefix: str

    def filename(self, facts: ImageFacts, extension: str) -> str:
        sku = _token(facts.sku or facts.product_name, "product")
        if self.code == "ovs":
            code = _token(facts.shot_type_code or facts.shot_type, "SHOT").upper()
            stem = f"{sku.upper()}_{code}_{facts.revision_version:02d}"
        else:
            stem = f"{sku}_{_token(facts.shot_type, 'shot')}_v{facts.revision_version}"
        return f"{stem[:_MAX_STEM]}.{extension}"

    def fields(self, facts: ImageFacts) -> dict[str, str]:
        """The XMP properties (and the EXIF description) of the image; empty values left out."""
        if self.code == "ovs":
            values = {
                "ArticleCode": facts.sku,
                "ArticleDescription": facts.product_name,
                "ShotCode": facts.shot_type_code or facts.shot_type,
                "ShotType": facts.shot_type,
                "Version": f"{facts.revision_version:02d}",
                "Shooting": facts.shooting_name,
                "ExternalId": facts.external_id,
            }
        else:
            values = {
                "Product": facts.product_name,
                "ProductId": facts.product_id,
                "Sku": facts.sku,
                "ShotType": facts.shot_type,
                "Revision": facts.revision_id,
                "RevisionVersion": str(facts.revision_version),
                "Shooting": facts.shooting_name,
                "ShootingId": facts.shooting_id,
            }
        return {name: value for name, value in values.items() if value}


ADAPTERS: dict[str, Adapter] = {
    "default": Adapter(
        "default",
        "Default (EXIF and XMP: product, SKU, shot type, revision, shooting)",
        "SKU-123_front_v2.jpg",
        "https://shooting-platform.dev/ns/export/1.0/",
        "sp",
    ),
    "ovs": Adapter(
        "ovs",
        "OVS (OVS naming and fields)",
        "SKU-123_FRONT_02.jpg",
        "https://shooting-platform.dev/ns/ovs/1.0/",
        "ovs",
    ),
}
