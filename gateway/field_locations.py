"""Where a service's field violation sits in the REST request: a field path in, a FastAPI ``loc`` out.

A service names a bad value by its path into the gRPC request it served
(:mod:`platformkit.field_paths`); the client sent a path, a query string and a body. The route the
request matched knows which is which, so the first field of the path decides:

- a field the route renames (:func:`rest_names`) goes where the route says, and so does
  ``page``, the ``common.v1.PageRequest`` of every list, whose fields are the query's ``skip``
  and ``limit``;
- a field named like one of the route's path parameters is ``("path", name)``, like one of its
  query parameters ``("query", name)``;
- ``id`` is the resource the path ends at, the route's last path parameter (``/shots/{shot_id}``
  sends ``ShotRef(id=...)``);
- anything else is in the body, ``("body", name)``; the empty path is the body as a whole.

The rest of the path follows as it is, list indices as text (as the services' violations have
always read: ``["body", "images", "0", "url"]``). Every field name on the way out takes its public
spelling (:data:`PUBLIC_NAMES`): the contracts say "look" where the REST surface keeps the
reference's "production request", so a violation at ``look_id`` answers at
``production_request_id``, in the path, the query or the body alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from platformkit.field_paths import FieldPath, from_text

Location = tuple[str, ...]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_RENAMES = "__rest_names__"
RESOURCE_ID = "id"
# Renames every route has: the page of a list is its query's skip and limit.
_COMMON_RENAMES: dict[FieldPath, Location] = {("page",): ("query",)}
# A create call carries the body's organization_id and the query's as query_organization_id.
# The contracts' names that the public API spells otherwise (the glossary's "look" is the
# reference's "production request"), applied to every field name of a location.
PUBLIC_NAMES: Mapping[str, str] = {
    "look_id": "production_request_id",
    "look_ids": "production_request_ids",
    "source_look_id": "source_production_request_id",
    "total_looks": "total_production_requests",
    "total_draft_looks": "total_draft_production_requests",
}
ORGANIZATION_IN_BODY_OR_QUERY: dict[str, Location] = {
    "organization_id": ("body", "organization_id"),
    "query_organization_id": ("query", "organization_id"),
}


def rest_names(renames: Mapping[str, Location] | None = None, **fields: Location) -> Callable[[Endpoint], Endpoint]:
    """Declare, on a route's endpoint, the request fields its service calls name differently from
    the public API, each by its field path (:mod:`platformkit.field_paths`):
    ``@rest_names(specs=("body", "generations"))`` puts ``specs[0].shot_id`` at
    ``["body", "generations", "0", "shot_id"]``; ``("query",)`` spreads a map of query
    parameters (``filters.color`` is ``["query", "color"]``); a nested field takes the mapping
    form, ``@rest_names({"defaults.style_id": ("body", "default_style_id")})``. The longest
    declared path a violation starts with wins."""
    declared = {from_text(path): location for path, location in {**(renames or {}), **fields}.items()}

    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _RENAMES, declared)
        return endpoint

    return declare


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def _parameters(route: APIRoute) -> tuple[list[str], set[str]]:
    """The route's path parameters in path order, and its query parameters (its dependencies' too)."""
    path = list(route.param_convertors)
    query = {field.alias for dependant in _dependants(route.dependant) for field in dependant.query_params}
    return path, query


def _public(segments: FieldPath) -> Location:
    """The segments as a REST location spells them: field names public, list indices as text."""
    return tuple(PUBLIC_NAMES.get(part, part) if isinstance(part, str) else str(part) for part in segments)


def rest_location(path: FieldPath, route: APIRoute | None) -> Location:
    """The FastAPI location of the value at ``path`` in the request ``route`` sent on."""
    if not path:
        return ("body",)
    declared: Mapping[FieldPath, Location] = getattr(route.endpoint, _RENAMES, {}) if route is not None else {}
    renames = {**_COMMON_RENAMES, **declared}
    for length in range(len(path), 0, -1):
        if path[:length] in renames:
            return (*renames[path[:length]], *_public(path[length:]))
    field, *rest = _public(path)
    path_params, query_params = _parameters(route) if route is not None else ([], set())
    if field in path_params:
        return ("path", field, *rest)
    if field in query_params:
        return ("query", field, *rest)
    if field == RESOURCE_ID and path_params:
        return ("path", path_params[-1], *rest)
    return ("body", field, *rest)
