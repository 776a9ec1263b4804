"""Worker processes a test starts itself, of any kind of :data:`devstack.processes.WORKER_KINDS`.

A test that decides which worker holds a task stops the stack's own workers of that kind and
starts its own with :class:`WorkerPool`: the same module and environment the stack would give
(its wiring, its extra settings), plus the test's overrides. :meth:`WorkerPool.settled` waits
until the workers' consumer group has settled with the expected members, so work is only queued
once the group no longer moves; :meth:`WorkerPool.restore` brings the stack's own workers back and
waits for them to hold the queue again.

The embedded broker (tansu 0.6.0) strands a consumer group for good when the group's leader
leaves it (LeaveGroup: a graceful stop) while the group is re-forming: the member is removed but
stays the group's leader, so every member that joins afterwards waits for that leader's assignment
(described as "Unknown", the joiners its members) until the broker restarts. tansu's ``leave`` of a
forming group does not clear the leader (its ``leave`` of a formed group does, and so does its
eviction of a member that missed its heartbeats). Scripted against the broker with two member
processes, each stopped once the one before had exited: the other, then the leader, and the next
member is not assigned (3 runs of 3); the leader first, or the leader killed instead, and it is
(after 3.0 and 11.1 s). In full `make test` runs this left the stack's generation worker consuming
nothing after a pool of three stopped its workers back to back. So the pool stops a worker only
once its group is stable with the workers still running, and a worker that has to be started again
is killed (it then leaves by missing its heartbeats), never stopped. A group that has not settled
within ``SETTLE_SECONDS`` gets its joining workers started again that way once, and a test's log
says so.
"""

from __future__ import annotations

import contextlib
import functools
import signal
from collections.abc import Callable, Mapping

import sqlalchemy as sa
from aiokafka.admin import AIOKafkaAdminClient

from devstack.child import Child, LineSink
from devstack.environment import process_env
from devstack.processes import WorkerKind, worker
from devstack.stack import Stack
from platformkit.db import create_engine
from tests.e2e.shots_support import eventually

SETTLE_SECONDS = 20.0
# A killed worker's processes are gone within this long.
KILL_GRACE_SECONDS = 5.0


class WorkerPool:
    """Workers of one kind started by a test; ``restore()`` ends them and brings back the stack's."""

    def __init__(self, stack: Stack, kind: WorkerKind, sink: LineSink) -> None:
        self.stack = stack
        self.kind = kind
        self.sink = sink
        self.children: list[Child] = []
        self.stack_workers = [spec.name for spec in kind.processes(1) if spec.name in stack.names]

    async def take_over(self) -> WorkerPool:
        """Stop the stack's own workers of the kind, so only this pool's consume its queue; each
        once the group is stable (see the module doc)."""
        running = [name for name in self.stack_workers if self.stack.returncode(name) is None]
        await self._stop_one_at_a_time([(name, functools.partial(self.stack.stop_process, name)) for name in running])
        return self

    async def take_over_when_idle(self, timeout: float = 60.0) -> WorkerPool:
        """Let the stack's own generation workers finish every generation other tests started,
        then take over: the pool's workers see only the jobs of the test that owns them."""
        assert self.stack.wiring is not None
        engine = create_engine(self.stack.wiring.database_urls["shots"], pool_size=1)
        unfinished = "SELECT count(*) FROM generations WHERE status NOT IN ('COMPLETED', 'FAILED')"

        async def idle() -> bool:
            async with engine.connect() as conn:
                return (await conn.scalar(sa.text(unfinished))) == 0

        try:
            await eventually(idle, "the stack's generations all finished", timeout)
        finally:
            await engine.dispose()
        return await self.take_over()

    def spawn(self, env: Mapping[str, str] | None = None) -> Child:
        name = f"test-{self.kind.name}-worker-{len(self.children) + 1}"
        assert self.stack.wiring is not None
        spec = worker(name, self.kind.module, self.kind.database)
        child = Child.python_module(
            name, self.kind.module, process_env(spec, self.stack.wiring) | dict(env or {}), self.sink
        )
        child.start()
        self.children.append(child)
        return child

    async def settled(self, size: int) -> None:
        """Until the kind's group is Stable with ``size`` members; the pool's newest worker, the one
        joining, is the one started again (the others may hold work a test is about)."""
        newest = self.children[-1]

        def again() -> None:
            newest.signal(signal.SIGKILL)  # gone without leaving its group (see the module doc)
            newest.wait_gone(KILL_GRACE_SECONDS)
            newest.start()

        await self._settle(size, again, newest.name)

    async def _stop_children(self) -> None:
        """The pool's workers. The stack's grace, not less: a worker's own stop is bounded below it
        (the event in hand, then leaving its group)."""
        grace = self.stack.config.stop_grace
        running = [child for child in self.children if child.running]
        await self._stop_one_at_a_time([(child.name, functools.partial(child.stop, grace)) for child in running])

    async def _stop_one_at_a_time(self, stops: list[tuple[str, Callable[[], object]]]) -> None:
        """Each ``(name, stop)`` in turn, once the group is Stable with the workers still running,
        so no leader leaves a re-forming group (see the module doc). One whose group does not
        settle is stopped all the same (a worker left running would take later tests' work), and
        the log says so."""
        assert self.stack.wiring is not None
        for index, (name, stop) in enumerate(stops):
            try:
                await stable_group(self.stack.wiring.kafka_bootstrap, self.kind.group, len(stops) - index)
            except AssertionError as exc:
                self.sink("workers", f"{exc}: stopping {name} anyway")
            with contextlib.suppress(ProcessLookupError):
                stop()

    async def restore(self) -> None:
        """Stop the pool's workers, start the stack's again and wait until they hold the queue."""
        await self._stop_children()
        for name in self.stack_workers:
            if self.stack.returncode(name) is not None:
                self.stack.start_process(name)
        if not self.stack_workers:
            return

        def again() -> None:
            for name in self.stack_workers:
                self.stack.kill(name)  # gone without leaving its group (see the module doc)
                self.stack.stop_process(name)
                self.stack.start_process(name)

        await self._settle(len(self.stack_workers), again, f"the stack's {self.kind.name} workers")

    async def _settle(self, size: int, again: Callable[[], None], who: str) -> None:
        """Until the group is Stable with ``size`` members; once, when it is not within
        ``SETTLE_SECONDS``, ``again`` starts ``who`` again (see the module doc), and the test's
        output says so."""
        assert self.stack.wiring is not None
        bootstrap = self.stack.wiring.kafka_bootstrap
        try:
            await stable_group(bootstrap, self.kind.group, size, timeout=SETTLE_SECONDS)
        except AssertionError as exc:
            self.sink("workers", f"{exc}: starting {who} again")
            again()
            await stable_group(bootstrap, self.kind.group, size)


async def stable_group(bootstrap: str, group: str, size: int, timeout: float = 60.0) -> None:
    """Wait until ``group`` is Stable with ``size`` members (every worker joined)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()

    seen = "nothing yet"  # what a timeout reports: the state and members (ids, client, host) last seen

    async def stable() -> bool:
        nonlocal seen
        [answer] = await admin.describe_consumer_groups([group])
        _, _, state, _, _, members = answer.groups[0]
        seen = f"{state} with {[tuple(member[:3]) for member in members]}"
        return bool(state == "Stable" and len(members) == size)

    try:
        await eventually(stable, f"{size} members in a stable {group} group", timeout=timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {seen}") from None
    finally:
        await admin.close()
