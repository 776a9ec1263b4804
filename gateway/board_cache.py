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

Requests for one entry that arrive together share one read of its versions (:class:`SharedReads`):
a read serves every request that arrived before it started and none that arrived while it ran,
since such a request may follow a write of its caller's that the running read's snapshot predates;
those wait for the next read, which starts when the running one ends. So a board polled by many
tabs or dashboards of one caller costs one version read per round, not one per request, and
read-your-writes holds as above. Entries being the caller's own, readers with other identities
share nothing.

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
from dataclasses import dataclass, field
from typing import Generic, TypeVar

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

T = TypeVar("T")


class SharedReads(Generic[T]):
    """One read at a time of something, each shared by the requests that asked for it before it
    started: a request that arrives while a read runs waits for the next, which starts once the
    running one has ended and serves everyone who asked in between.

    A request never gets a result read before it arrived, so anything that completed before it
    asked (its caller's own write) is in its result."""

    def __init__(self) -> None:
        self._open: asyncio.Future[T] | None = None  # the next read, not started yet
        self._last: asyncio.Future[T] | None = None  # the latest read, perhaps running

    async def read(self, read: Callable[[], Awaitable[T]]) -> T:
        """The result of a read that starts after this call; ``read`` is how to make it, used when
        this call is the first to ask for it."""
        if self._open is None:
            self._open = self._last = asyncio.ensure_future(self._after(self._last, read))
            self._open.add_done_callback(_retrieve)
        # Shielded: a caller that goes away (a client hanging up) does not cancel the others' read.
        return await asyncio.shield(self._open)

    async def _after(self, previous: asyncio.Future[T] | None, read: Callable[[], Awaitable[T]]) -> T:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        self._open = None  # From here on, a request waits for the next read.
        return await read()


def _retrieve(done: asyncio.Future[object]) -> None:
    """Marks a shared read's failure as seen: each caller that waited has it raised already."""
    if not done.cancelled():
        done.exception()


# The current versions of a board's sources; its composition.
ReadVersions = Callable[[BoardSources], Awaitable[tuple[str, ...]]]
Compose = Callable[[], Awaitable[Composed]]


@dataclass
class _Entry:
    sources: BoardSources
    versions: tuple[str, ...] | None = None
    body: bytes | None = None
    made_at: float = 0.0
    checks: SharedReads[tuple[str, ...] | None] = field(default_factory=SharedReads)

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
        before = await self._current(entry, versions) if entry is not None else None
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

    async def _current(self, entry: _Entry, versions: ReadVersions) -> tuple[str, ...] | None:
        """The current versions of ``entry``'s sources, read after this call, shared with the
        requests for the same entry that ask before the read starts."""
        return await entry.checks.read(lambda: self._versions(versions, entry.sources))

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
