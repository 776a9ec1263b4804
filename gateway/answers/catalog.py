"""Catalog entries as the public models' fields, each entry shaped once per answer.

An entry is free-form on the wire (a ``Struct`` of its kind's fields), so its public model does
the shaping (defaults, whole numbers, enumerations); a page names the same few shot types,
products and presets hundreds of times, so each (model, entry) pair is shaped once and reused.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.answers import Fields
from gateway.schemas.catalog import CatalogPublic
from protos.shootings.v1 import catalog_pb2


class EntryFields:
    def __init__(self, entries: Mapping[str, catalog_pb2.CatalogEntry]) -> None:
        self.entries = entries
        self._shaped: dict[tuple[type[CatalogPublic], str], Fields | None] = {}

    def get(self, model: type[CatalogPublic], entry_id: str) -> Fields | None:
        """The entry's fields as ``model`` shows them, None when the answer does not hold it."""
        key = (model, entry_id)
        if key not in self._shaped:
            entry = self.entries.get(entry_id)
            self._shaped[key] = model.from_entry(entry).model_dump(mode="json") if entry else None
        return self._shaped[key]
