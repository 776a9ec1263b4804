"""Board answers (E9, E10) kept in memory while every row they were made of is unchanged (D14.22).

A board is composed from six reads over five databases (looks and catalog entries, shots with
their revisions, push records, outfits, users) and costs two orders of magnitude more CPU than
the bytes it answers. A production team reads the same board far more often than it changes, so
the gateway keeps each answer with the *versions* of the rows behind it
(:mod:`platformkit.row_versions`) and, before serving it again, asks every owner for the current
versions of the same rows: one cheap ``Get*Version`` call per service and one users statement, in
parallel. Any write to one of those rows, or a row appearing or going, gives another version, so
an answer is served again only if a fresh composition would read exactly the same rows:
read-your-writes holds as without the cache, whoever changed what (a request, a worker, a
consumer). The versions come from the same services under the same caller, so their access checks
run on every read.

An answer is stored only when the versions read *before* its composition equal those read
*after* it over the same rows: a write that lands while it is being composed keeps it out. The
first read of a board stores what it was made of, the second its answer, the third is served from
memory.

Each entry is the caller's own (the key holds the principal, the request's filters and page, and
the base URL media links start with) and lives ``board_cache_seconds`` at most: media URLs carry
signatures that expire (``MEDIA_READ_TTL_SECONDS``), and an answer's links must stay usable. The
entries are bounded by their total size (``board_cache_mb``: answers and the ids they were read
from), least recently used first out.
``board_cache_audit`` composes every answer served from memory again and fails the request when
the two differ (the test stacks run with it).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
from prometheus_client import Counter

from gateway.clients import ServiceClients
from gateway.repository.users import users_version
from platformkit.direct_reads import RowReader
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import looks_pb2
from protos.shots.v1 import shots_pb2

ANSWERS = Counter("board_cache_answers_total", "Board answers, by where they came from (memory, composed)", ["source"])


@dataclass(frozen=True)
class BoardSources:
    """What one board answer was read from, beyond the looks its request selects: the page's
    looks (their shots and outfits), the products the outfits name, the revisions shown (their
    push records) and the users shown (assignees, revision owners)."""

    look_ids: frozenset[str]
    product_ids: frozenset[str]
    revision_ids: frozenset[str]
    user_ids: frozenset[uuid.UUID]


@dataclass(frozen=True)
class Composed:
    body: bytes
    sources: BoardSources


# What one id of an entry's sources holds in memory, about: a 36-character str and its set slot.
_ID_BYTES = 128


# The current versions of a board's sources; its composition.
ReadVersions = Callable[[BoardSources], Awaitable[tuple[str, ...]]]
Compose = Callable[[], Awaitable[Composed]]


@dataclass
class _Entry:
    sources: BoardSources
    versions: tuple[str, ...] | None = None
    body: bytes | None = None
    made_at: float = 0.0

    @property
    def size(self) -> int:
        """The answer's bytes and its sources' ids: what the size bound counts."""
        ids = self.sources
        count = len(ids.look_ids) + len(ids.product_ids) + len(ids.revision_ids) + len(ids.user_ids)
        return (len(self.body) if self.body is not None else 0) + _ID_BYTES * count


class AuditMismatch(RuntimeError):
    """A board served from memory differs from a fresh composition (``board_cache_audit``)."""


# Gateway-signed media links carry their expiry: two compositions a second apart differ there.
_SIGNED_QUERY = re.compile(rb"\?expires=\d+&signature=[0-9A-Za-z_\-%]+")


async def read_versions(
    clients: ServiceClients,
    principal: common_pb2.Principal,
    rows: RowReader,
    board: looks_pb2.ListLooksRequest,
    sources: BoardSources,
) -> tuple[str, ...]:
    """The current versions of every row ``sources`` and ``board`` name, one call per owner,
    together; none to an owner the composition asks nothing either (no look, no revision)."""
    metadata = principal_metadata(principal)
    # In any order: a version is a sum over the rows.
    look_ids, revision_ids = list(sources.look_ids), list(sources.revision_ids)
    calls: list[Awaitable[common_pb2.Version]] = [
        clients.look_queries.GetBoardVersion(
            looks_pb2.BoardVersionRequest(board=board, entry_ids=sources.product_ids), metadata=metadata
        )
    ]
    if look_ids:
        calls.append(
            clients.shots.GetShotsByLooksVersion(
                shots_pb2.ListShotsByLooksRequest(look_ids=look_ids), metadata=metadata
            )
        )
        calls.append(
            clients.outfits.GetLookOutfitsVersion(
                outfits_pb2.ListLookOutfitsRequest(look_ids=look_ids), metadata=metadata
            )
        )
    if revision_ids:
        calls.append(
            clients.exports.GetPushRecordsVersion(
                exports_pb2.ListPushRecordsRequest(revision_ids=revision_ids), metadata=metadata
            )
        )
    *replies, users = await asyncio.gather(*calls, users_version(rows, sources.user_ids))
    return (*(reply.value for reply in replies), users)


class BoardCache:
    # Entries that hold only what a first read was made from are small; this bounds their number.
    MAX_ENTRIES = 4096

    def __init__(self, *, max_bytes: int, max_age_seconds: float, audit: bool = False) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age_seconds
        self.audit = audit
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.max_age > 0

    async def answer(self, key: bytes, versions: ReadVersions, compose: Compose) -> bytes:
        """The board's answer: from memory when ``versions`` of its sources are those it was made
        from, else ``compose``d (and kept when no write landed while it was)."""
        if not self.enabled:
            return (await compose()).body
        entry = self._entries.get(key)
        before = await self._versions(versions, entry.sources) if entry is not None else None
        if entry is not None and entry.body is not None and before == entry.versions and self._young(entry):
            self._entries.move_to_end(key)
            ANSWERS.labels("memory").inc()
            return await self._audited(entry, versions, compose) if self.audit else entry.body
        ANSWERS.labels("composed").inc()
        composed = await compose()
        stable = entry is not None and composed.sources == entry.sources and before is not None
        if stable and before == await self._versions(versions, composed.sources):
            self._keep(key, _Entry(composed.sources, before, composed.body, time.monotonic()))
        else:
            self._keep(key, _Entry(composed.sources))
        return composed.body

    def _young(self, entry: _Entry) -> bool:
        return time.monotonic() - entry.made_at < self.max_age

    @staticmethod
    async def _versions(versions: ReadVersions, sources: BoardSources) -> tuple[str, ...] | None:
        """None when a service could not answer: the board is then composed as without the cache,
        which answers whatever error the platform would."""
        try:
            return await versions(sources)
        except grpc.aio.AioRpcError:
            return None

    async def _audited(self, entry: _Entry, versions: ReadVersions, compose: Compose) -> bytes:
        """``entry``'s answer once a fresh composition agrees with it. A difference is a fault only
        while the versions still say nothing changed: a write that landed after the check (a
        consumer folding events) makes the fresh answer the newer one, and it is answered."""
        fresh = (await compose()).body
        assert entry.body is not None
        if _SIGNED_QUERY.sub(b"", fresh) == _SIGNED_QUERY.sub(b"", entry.body):
            return entry.body
        if await self._versions(versions, entry.sources) != entry.versions:
            return fresh
        raise AuditMismatch("a board served from memory differs from a fresh composition of the same rows")

    def _keep(self, key: bytes, entry: _Entry) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        if entry.size > self.max_bytes:
            return
        self._entries[key] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes or len(self._entries) > self.MAX_ENTRIES:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size
