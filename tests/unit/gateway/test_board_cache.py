"""The board cache's rules (gateway.board_cache), on a board whose rows a test changes at will: an
answer is served from memory only while its sources' versions are those it was composed between,
never after a change, never when a change landed during its composition, never past its age."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import pytest

from gateway.board_cache import AuditMismatch, BoardCache, BoardSources, Composed, SharedReads

SOURCES = BoardSources(frozenset({"look"}), frozenset(), frozenset({"revision"}), frozenset({uuid.uuid4()}))


class Board:
    """A board's rows as one version counter; ``compose`` answers the current content."""

    def __init__(self) -> None:
        self.version = 0
        self.content = "first"
        self.sources = SOURCES
        self.composed = 0
        self.write_while_composing: str | None = None
        self.failing = False

    def write(self, content: str) -> None:
        self.version += 1
        self.content = content

    async def versions(self, sources: BoardSources) -> tuple[str, ...]:
        if self.failing:
            raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata())
        return (str(self.version), str(sorted(sources.look_ids)))

    async def compose(self) -> Composed:
        self.composed += 1
        body = self.content.encode()
        if self.write_while_composing is not None:
            self.write(self.write_while_composing)
            self.write_while_composing = None
        return Composed(body, self.sources)


def read(cache: BoardCache, board: Board, key: bytes = b"k") -> bytes:
    return asyncio.run(cache.answer(key, board.versions, board.compose))


def cache(**options: float) -> BoardCache:
    return BoardCache(max_bytes=int(options.get("max_bytes", 1 << 20)), max_age_seconds=options.get("age", 60.0))


def test_the_third_read_of_an_unchanged_board_is_served_from_memory() -> None:
    boards, board = cache(), Board()
    assert [read(boards, board) for _ in range(4)] == [b"first"] * 4
    assert board.composed == 2  # the first learns the sources, the second is kept


def test_a_change_is_answered_at_once_and_kept_again() -> None:
    boards, board = cache(), Board()
    for _ in range(3):
        read(boards, board)
    board.write("second")
    assert read(boards, board) == b"second" and board.composed == 3
    assert read(boards, board) == b"second" and board.composed == 3


def test_an_answer_composed_while_a_write_landed_is_not_kept() -> None:
    boards, board = cache(), Board()
    read(boards, board)
    board.write_while_composing = "second"
    assert read(boards, board) == b"first"  # composed before the write: right for its moment
    assert read(boards, board) == b"second" and board.composed == 3


def test_an_answer_from_other_sources_is_not_kept_until_they_settle() -> None:
    boards, board = cache(), Board()
    read(boards, board)
    read(boards, board)
    board.sources = BoardSources(frozenset({"look", "new look"}), frozenset(), frozenset(), frozenset())
    board.write("two looks")
    assert read(boards, board) == b"two looks"
    assert read(boards, board) == b"two looks"
    composed = board.composed
    assert read(boards, board) == b"two looks" and board.composed == composed


def test_callers_and_requests_have_entries_of_their_own() -> None:
    boards, board = cache(), Board()
    for _ in range(3):
        read(boards, board, b"alice")
    composed = board.composed
    read(boards, board, b"bob")
    assert board.composed == composed + 1


def test_an_old_answer_is_composed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    boards, board = cache(age=30), Board()
    for _ in range(3):
        read(boards, board)
    later = time.monotonic() + 31
    monkeypatch.setattr(time, "monotonic", lambda: later)
    composed = board.composed
    read(boards, board)
    assert board.composed == composed + 1


def test_a_version_a_service_cannot_answer_means_composing() -> None:
    boards, board = cache(), Board()
    for _ in range(3):
        read(boards, board)
    board.failing = True
    composed = board.composed
    assert read(boards, board) == b"first" and board.composed == composed + 1


def test_entries_are_bounded_by_size_least_recently_used_first_out() -> None:
    # An entry counts its answer (5 bytes here) and its sources' 3 ids (128 bytes each): two fit.
    boards, board = cache(max_bytes=1000), Board()
    for key in (b"a", b"b", b"a", b"b", b"c", b"c"):
        read(boards, board, key)  # a and b kept; c pushes the least recently used, a, out
    composed = board.composed
    read(boards, board, b"b")
    assert board.composed == composed
    read(boards, board, b"a")
    assert board.composed == composed + 1


def test_no_memory_or_no_age_means_no_cache() -> None:
    for boards in (cache(max_bytes=0), cache(age=0)):
        board = Board()
        for _ in range(3):
            read(boards, board)
        assert board.composed == 3


def test_the_audit_fails_an_answer_from_memory_that_a_fresh_composition_contradicts() -> None:
    boards, board = BoardCache(max_bytes=1 << 20, max_age_seconds=60, audit=True), Board()
    for _ in range(3):
        assert read(boards, board) == b"first"
    board.content = "changed behind the versions' back"
    with pytest.raises(AuditMismatch):
        read(boards, board)


def test_the_audit_answers_the_fresh_board_when_a_write_landed_after_the_check() -> None:
    boards, board = BoardCache(max_bytes=1 << 20, max_age_seconds=60, audit=True), Board()
    for _ in range(3):
        read(boards, board)
    board.write_while_composing = "written meanwhile"
    board.content = "written meanwhile"
    assert read(boards, board) == b"written meanwhile"


class Reads:
    """A read the test finishes at will, counting how often it was made and when it started."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.release = asyncio.Event()
        self.value = 0
        self.fail = False

    async def __call__(self) -> int:
        snapshot = self.value  # what a database read sees: the state when it started
        self.started.append(snapshot)
        await self.release.wait()
        if self.fail:
            raise RuntimeError("the owner failed")
        return snapshot


async def _callers(shared: SharedReads[int], reads: Reads, count: int) -> list[asyncio.Task[int]]:
    tasks = [asyncio.ensure_future(shared.read(reads)) for _ in range(count)]
    for _ in range(3):  # they ask, then a read that can start does
        await asyncio.sleep(0)
    return tasks


def test_requests_that_ask_together_share_one_read() -> None:
    async def scenario() -> None:
        shared, reads = SharedReads[int](), Reads()
        callers = await _callers(shared, reads, 10)
        reads.release.set()
        assert await asyncio.gather(*callers) == [0] * 10
        assert reads.started == [0]

    asyncio.run(scenario())


def test_a_request_never_gets_a_read_that_started_before_it_asked() -> None:
    """Those that ask while a read runs (after their own write, say) wait for the next one, shared."""

    async def scenario() -> None:
        shared, reads = SharedReads[int](), Reads()
        first = await _callers(shared, reads, 3)
        reads.value = 1  # a write completes while the first read runs; then more requests ask
        later = await _callers(shared, reads, 5)
        assert reads.started == [0]  # the next read waits for the running one
        reads.release.set()
        assert await asyncio.gather(*first) == [0] * 3
        assert await asyncio.gather(*later) == [1] * 5
        assert reads.started == [0, 1]

    asyncio.run(scenario())


def test_a_failed_read_fails_its_requests_only_and_a_caller_leaving_cancels_nothing() -> None:
    async def scenario() -> None:
        shared, reads = SharedReads[int](), Reads()
        leaving, *staying = await _callers(shared, reads, 3)
        leaving.cancel()
        reads.fail = True
        reads.release.set()
        results = await asyncio.gather(*staying, return_exceptions=True)
        assert [type(r) for r in results] == [RuntimeError, RuntimeError]
        reads.fail = False
        assert await shared.read(reads) == 0 and len(reads.started) == 2

    asyncio.run(scenario())


def test_concurrent_reads_of_one_board_share_its_version_reads_and_see_a_write() -> None:
    """Through the cache: 16 readers at once cost one version read; a write then shows to all."""

    async def scenario() -> None:
        boards, board = cache(), Board()
        calls = 0
        versions = board.versions

        async def counted(sources: BoardSources) -> tuple[str, ...]:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            return await versions(sources)

        for _ in range(3):
            await boards.answer(b"k", counted, board.compose)
        calls = 0
        answers = await asyncio.gather(*(boards.answer(b"k", counted, board.compose) for _ in range(16)))
        assert answers == [b"first"] * 16 and calls == 1
        board.write("second")
        answers = await asyncio.gather(*(boards.answer(b"k", counted, board.compose) for _ in range(16)))
        assert answers == [b"second"] * 16

    asyncio.run(scenario())
