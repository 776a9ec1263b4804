"""The fast answers (gateway.answers) against the Pydantic response models, on randomized protobuf
messages: what the hot paths send as JSON bytes is exactly what the declared model would have
produced (same keys, same values, same date-time and number formats), so the two cannot drift
apart. A field added to a model but not to its answer (or the other way round), a value shaped
differently (an id, a date-time, a rounding), fails here.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.answers import json_bytes
from gateway.answers.looks import LookAnswers
from gateway.answers.outfits import OutfitsView
from gateway.answers.shootings import header_fields
from gateway.answers.shots import PushView
from gateway.schemas.guidelines import StylistSummary
from gateway.schemas.looks import (
    GenerateProductionRequestsResponse,
    ProductionRequestPublic,
    ProductionRequestsPublic,
    ProductionRequestsSummaryPublic,
    ProductionRequestSummary,
)
from gateway.schemas.shootings import SHOT_STATUS_KEYS, ShootingHeaderPublic
from gateway.schemas.users import UserSummary
from protos.exports.v1 import exports_pb2
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import catalog_pb2, looks_pb2, shootings_pb2
from protos.shots.v1 import shots_pb2

EXAMPLES = settings(max_examples=40, deadline=None)
ids = st.uuids().map(str)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
names = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
# Any instant from 1970 to 2100, nanoseconds included (answers show microseconds, as Pydantic does).
timestamps = st.builds(Timestamp, seconds=st.integers(0, 4_102_444_800), nanos=st.integers(0, 999_999_999))
statuses = st.sampled_from(SHOT_STATUS_KEYS)


def same_json(model: type[BaseModel], fields: Any) -> None:
    fast = orjson.loads(json_bytes(fields))
    declared = json.loads(model.model_validate(fields).model_dump_json())
    assert fast == declared


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


ENUMERATIONS: dict[str, st.SearchStrategy[Any]] = {
    "shot_status": statuses,
    "status": statuses,
    "readiness": st.sampled_from(["DRAFT", "READY"]),
    "source_type": st.sampled_from(["PREDICTION", "REFINE", "UPLOAD"]),
    "push_status": st.sampled_from(["PENDING", "IN_PROGRESS", "AWAITING_CONFIRMATION", "COMPLETED", "FAILED"]),
    "generation_status": st.sampled_from(["PENDING", "COMPLETED", "FAILED"]),
}
# Well-known types: instants a date-time can hold; free-form entry fields are drawn per kind (entry()).
MESSAGES: dict[str, st.SearchStrategy[Any]] = {
    "google.protobuf.Timestamp": timestamps,
    "google.protobuf.Struct": st.builds(Struct),
}
# Instants every stored record has, which the models therefore require.
ALWAYS_SET = {"created_at", "updated_at"}
_SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    FieldDescriptor.TYPE_INT32: st.integers(0, 2**31 - 1),
    FieldDescriptor.TYPE_INT64: st.integers(0, 2**53),
    FieldDescriptor.TYPE_DOUBLE: st.floats(allow_nan=False, allow_infinity=False),
}


def _field(field: FieldDescriptor, overrides: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Values of one field: ids for ``id``/``*_id`` strings, instants for timestamps, the
    enumerations the models accept, nested messages drawn the same way (two at most)."""
    if field.name in overrides:
        return overrides[field.name]
    if field.message_type is not None:
        known = MESSAGES.get(field.message_type.full_name)
        single = known if known is not None else message(field.message_type)
    elif field.type == FieldDescriptor.TYPE_STRING:
        is_id = field.name == "id" or field.name.endswith(("_id", "_ids"))
        single = ENUMERATIONS.get(field.name, ids if is_id else texts)
    else:
        single = _SCALARS.get(field.type, st.integers(0, 100))
    if field.is_repeated:
        return st.lists(single, max_size=2)
    optional = field.has_presence and field.name not in ALWAYS_SET
    return maybe(single) if optional else single


def message(descriptor: Any, **overrides: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A random message of a protobuf type (or descriptor), every field drawn by :func:`_field`;
    a field drawn as None stays unset (absent optional fields and messages)."""
    descriptor = getattr(descriptor, "DESCRIPTOR", descriptor)
    cls = message_factory.GetMessageClass(descriptor)
    fields = {f.name: _field(f, overrides) for f in descriptor.fields}
    return st.fixed_dictionaries(fields).map(lambda values: cls(**{k: v for k, v in values.items() if v is not None}))


def entry(kind: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[catalog_pb2.CatalogEntry]:
    """A catalog entry of ``kind`` whose free-form fields are ``fields`` (what its model needs)."""

    def with_fields(message_and_fields: tuple[catalog_pb2.CatalogEntry, dict[str, Any]]) -> catalog_pb2.CatalogEntry:
        found, values = message_and_fields
        found.fields.update({k: v for k, v in values.items() if v is not None})
        return found

    common = message(catalog_pb2.CatalogEntry, kind=st.just(kind), name=names, public=st.booleans())
    return st.tuples(common, st.fixed_dictionaries(fields)).map(with_fields)


push_records = message(exports_pb2.PushRecord)
outfits = message(outfits_pb2.Outfit)
shot_types = entry(
    "shot_type",
    view_angle=st.sampled_from(["FRONT", "BACK", "SIDE"]),
    framing=st.sampled_from(["FULL_BODY", "UPPER_BODY", "DETAIL"]),
    prompt=maybe(texts),
)
pose_presets = entry("pose_preset", shot_type_id=ids, prompt=maybe(texts))
set_designs = entry("set_design", description=maybe(texts))
products = entry("product", sku=maybe(names), cover_image_url=maybe(names), brand=maybe(names))
subjects = entry("subject", slug=st.just("a-subject"), gender=st.sampled_from(["MALE", "FEMALE", "OTHER"]))
users = st.builds(
    lambda i, email, name, admin: UserSummary.model_validate(
        {"id": i, "email": email, "full_name": name, "is_superuser": admin}
    ).model_dump(mode="json"),
    ids,
    names,
    maybe(texts),
    st.booleans(),
)


@st.composite
def pages(draw: st.DrawFn) -> tuple[looks_pb2.LooksPage, list[shots_pb2.Shot], dict[str, Any], OutfitsView, PushView]:
    """A page of looks with the entries they name, their shots with revisions, assignees, outfits
    and push records, every reference drawn among what the page holds (or dangling, as happens)."""
    named = {
        "shot_type": draw(st.lists(shot_types, min_size=1, max_size=3)),
        "pose_preset": draw(st.lists(pose_presets, max_size=2)),
        "set_design": draw(st.lists(set_designs, max_size=2)),
        "product": draw(st.lists(products, min_size=1, max_size=3)),
        "subject": draw(st.lists(subjects, max_size=2)),
    }
    assignees = {user["id"]: user for user in draw(st.lists(users, max_size=2))}
    some = {kind: st.sampled_from([e.id for e in entries]) if entries else ids for kind, entries in named.items()}
    looks = draw(
        st.lists(
            message(
                looks_pb2.Look,
                product_id=maybe(some["product"] | ids),
                subject_id=maybe(some["subject"]),
                assignee_id=maybe(st.sampled_from(list(assignees)) if assignees else ids),
                set_design_id=maybe(some["set_design"]),
                pose_preset_ids=st.lists(some["pose_preset"], max_size=2),
            ),
            min_size=1,
            max_size=3,
        )
    )
    shots = [
        draw(message(shots_pb2.Shot, look_id=st.just(look.id), shot_type_id=some["shot_type"] | ids))
        for look in looks
        for _ in range(draw(st.integers(0, 2)))
    ]
    revision_ids = [r.id for s in shots for r in s.revisions] + [s.current_revision_id for s in shots]
    pushes = PushView(
        {
            revision_id: exports_pb2.RevisionPushes(
                revision_id=revision_id,
                push_status=draw(st.sampled_from(["PENDING", "COMPLETED", "FAILED"])),
                records=draw(st.lists(push_records, min_size=1, max_size=2)),
            )
            for revision_id in revision_ids
            if revision_id and draw(st.booleans())
        },
        # The owners identity knows (some revisions name a user that no longer exists).
        owners={
            r.owner_id: {**draw(users), "id": r.owner_id}
            for s in shots
            for r in s.revisions
            if r.HasField("owner_id") and draw(st.booleans())
        },
    )
    catalog = {e.id: e for e in named["product"]}
    looks_outfits = {
        look.id: outfits_pb2.LookOutfits(
            look_id=look.id,
            outfit=draw(maybe(outfits)),
            proposals=draw(st.lists(outfits, max_size=2)),
        )
        for look in looks
        if draw(st.booleans())
    }
    entries = [e for kind in named.values() for e in kind]
    page = looks_pb2.LooksPage(looks=looks, count=len(looks), entries=entries)
    return page, shots, assignees, OutfitsView(looks_outfits, catalog), pushes


@EXAMPLES
@given(pages())
def test_a_board_page_is_what_its_models_would_say(drawn: tuple[Any, ...]) -> None:
    page, shots, assignees, outfits, pushes = drawn
    answers = LookAnswers(page, shots, assignees, outfits, pushes)
    full = [answers.public(look) for look in page.looks]
    summaries = [answers.summary(look) for look in page.looks]
    for look in full:
        same_json(ProductionRequestPublic, look)
    for look in summaries:
        same_json(ProductionRequestSummary, look)
    same_json(ProductionRequestsPublic, {"data": full, "count": page.count})
    same_json(ProductionRequestsSummaryPublic, {"data": summaries, "count": page.count})
    created = {
        "production_requests": full,
        "generation_results": [
            {"shot_id": s.id, "production_request_id": s.look_id, "generation_id": s.id} for s in shots
        ],
        "total_generations_created": len(shots),
    }
    same_json(GenerateProductionRequestsResponse, created)


guidelines = message(
    shootings_pb2.Guidelines,
    subjects=st.lists(subjects, max_size=2),
    shot_types=st.lists(shot_types, max_size=2),
    pose_presets=st.lists(pose_presets, max_size=2),
)
headers = message(shootings_pb2.ShootingHeader, name=names, default_guidelines=maybe(guidelines))
stylists = maybe(st.builds(lambda i, n: StylistSummary(id=i, name=n).model_dump(mode="json"), ids, names))


@EXAMPLES
@given(headers, stylists)
def test_a_header_is_what_its_model_would_say(header: shootings_pb2.ShootingHeader, stylist: Any) -> None:
    fields = header_fields(header, stylist)
    same_json(ShootingHeaderPublic, fields)
    assert ShootingHeaderPublic.from_pb(header, stylist and StylistSummary(**stylist)).model_dump(
        mode="json"
    ) == orjson.loads(json_bytes(fields))
