"""The whole local platform as one object, for `make run` and for the end-to-end tests.

``Stack(config).start()`` takes the state folder, (re)starts or borrows the engines, creates the
databases, migrates them, creates the topics, starts every process of the table in its own
process group and returns once each answers its health check; ``stop()`` leaves nothing
running. In between, a process that dies is restarted with backoff unless ``auto_restart`` is
off (tests that kill processes on purpose decide themselves).

What it is asked to run is :class:`devstack.stack_config.StackConfig`; how the processes find
each other (ports, URLs, keys, the Prometheus targets) is :mod:`devstack.stack_wiring`; this
module starts, supervises and stops them.

Threads rather than asyncio: output must be drained and crashes noticed even while the caller's
event loop is idle (between two pytest tests), or a child blocks on a full pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from devstack.child import Child, group_members
from devstack.environment import Wiring, process_env
from devstack.health import NotReady, grpc_serving, http_true, wait_until
from devstack.processes import GATEWAY_HEALTH_PATH, Kind, ProcessSpec
from devstack.stack_config import SUPERVISOR, StackConfig, StackError, console_sink
from devstack.stack_wiring import build_wiring, check_ports, write_metrics_targets
from devstack.statedir import StateDir, StateDirBusy

# Health checks run in this order (see _start_processes); unlisted kinds come first.
START_RANK = {Kind.HTTP: 1, Kind.EDGE: 2}
T = TypeVar("T")


@dataclass
class _Slot:
    spec: ProcessSpec
    child: Child | None = None
    wanted: bool = False
    restarts: int = 0
    failures: int = 0
    restart_at: float | None = None


def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in a fresh thread: migrations and topic creation call asyncio.run, which fails
    inside a running event loop (an async test fixture)."""
    with ThreadPoolExecutor(1, thread_name_prefix="devstack-prepare") as pool:
        return pool.submit(fn, *args).result()


class Stack:
    """The processes of ``config.processes`` on the engines of ``config.backends``.

    ``start()``/``stop()`` may alternate on one object (a test can restart the whole platform on
    the same databases); the per-process controls (``kill``, ``stop_process``, ``start_process``,
    ``restart``, ``wait_ready``) work between them.
    """

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.state = StateDir(config.state_dir)
        self.auto_restart = config.auto_restart
        self.log_dir = self.state.root / "logs" if config.log_files else None
        self.sink = config.sink or console_sink([p.name for p in config.processes])
        self._slots = {p.name: _Slot(p) for p in config.processes}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._cancelled = threading.Event()
        self._monitor: threading.Thread | None = None
        self._started = False
        self.wiring: Wiring | None = None

    # -- public surface -------------------------------------------------------------------

    @property
    def gateway_url(self) -> str:
        return self._wiring.gateway_url

    @property
    def names(self) -> list[str]:
        return list(self._slots)

    def start(self) -> float:
        """Bring everything up; returns the seconds it took until every process was healthy."""
        began = time.monotonic()
        try:
            self.state.acquire()
        except StateDirBusy as exc:
            raise StackError(str(exc)) from None
        self._started = True
        self._stopping.clear()
        self._cancelled.clear()
        try:
            self._take_over_state()
            self.wiring = build_wiring(self.config, self.state.root)
            check_ports(self.config, self._wiring)
            self._checkpoint()
            with self._phase("engines up"):
                self._start_engines()
            _off_loop(self._prepare_engines)
            self._checkpoint()
            write_metrics_targets(self.config, self._wiring, self.state.root)
            self._start_processes()
        except BaseException:
            self.stop()
            raise
        self._monitor = threading.Thread(target=self._watch, name="devstack-monitor", daemon=True)
        self._monitor.start()
        elapsed = time.monotonic() - began
        self.say(f"all {len(self._slots)} processes healthy in {elapsed:.1f}s")
        return elapsed

    def cancel(self) -> None:
        """Make a :meth:`start` in progress give up at its next step (safe from a signal handler:
        it only sets a flag; the starting thread then stops what it started)."""
        self._cancelled.set()

    def stop(self) -> None:
        """SIGTERM every process group, SIGKILL what outlives the grace period, stop owned engines."""
        if not self._started:
            return
        self._started = False
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join(5)
        with self._lock:
            children = [s.child for s in self._slots.values() if s.child is not None]
            for slot in self._slots.values():
                slot.wanted = False
        for child in children:
            if child.running or group_members(child.pid):
                child.signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.stop_grace
        for child in children:
            code = child.wait_gone(max(0.0, deadline - time.monotonic()))
            self.say(f"{child.name} stopped (exit code {code})")
        try:
            self.config.backends.stop()
            self.state.reap_leftovers()  # nothing left by now; clears the registry
        finally:
            self.state.release()

    def start_process(self, name: str, *, wait: bool = True) -> int:
        """Start a process of the table that is not running; returns its pid."""
        slot = self._slots[name]
        with self._lock:
            if slot.child is not None and slot.child.running:
                raise StackError(f"{name} is already running (pid {slot.child.pid})")
            self._spawn(slot)
        if wait:
            self.wait_ready(name)
        return self.pid(name)

    def stop_process(self, name: str) -> int | None:
        """Stop one process group on purpose (it stays stopped); returns its exit code."""
        slot = self._slots[name]
        with self._lock:
            slot.wanted = False
            slot.restart_at = None
            child = slot.child
        if child is None:
            return None
        code = child.stop(self.config.stop_grace)
        self.state.forget(name)
        return code

    def restart(self, name: str) -> int:
        """Stop, start and wait until healthy; returns the new pid."""
        self.stop_process(name)
        return self.start_process(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` to a process's group as a crash would; returns the pid signalled.

        With ``auto_restart`` on the supervisor restarts it (see :meth:`wait_ready` with
        ``replacing_pid``); with it off the process stays down until :meth:`start_process`.
        """
        child = self._child(name)
        child.signal(sig)
        return child.pid

    def wait_ready(self, name: str, timeout: float | None = None, *, replacing_pid: int | None = None) -> None:
        """Wait until ``name`` answers its health check (from a process other than ``replacing_pid``)."""
        self._wait(self._slots[name], timeout, replacing_pid, fail_on_exit=not self.auto_restart)

    def pid(self, name: str) -> int:
        return self._child(name).pid

    def returncode(self, name: str) -> int | None:
        return self._child(name).returncode

    def restarts(self, name: str) -> int:
        """How many times the supervisor restarted ``name`` after a crash."""
        return self._slots[name].restarts

    def say(self, message: str) -> None:
        """A supervisor line, on the same output as the processes' lines."""
        self.sink(SUPERVISOR, message)
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with open(self.log_dir / f"{SUPERVISOR}.log", "a") as out:
                out.write(message + "\n")

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- start-up phases --------------------------------------------------------------------

    @property
    def _wiring(self) -> Wiring:
        if self.wiring is None:
            self.wiring = build_wiring(self.config, self.state.root)
        return self.wiring

    def _checkpoint(self) -> None:
        if self._cancelled.is_set():
            raise StackError("start cancelled")

    def _take_over_state(self) -> None:
        """Stop whatever a supervisor killed without cleaning up left on this state folder."""
        reaped = self.state.reap_leftovers()
        if reaped:
            self.say(f"stopped leftovers of an earlier run: {', '.join(reaped)}")
        self.config.backends.reap_leftovers()

    @contextlib.contextmanager
    def _phase(self, what: str) -> Iterator[None]:
        """Say how long a start-up phase took: the figures to look at when start-up gets slow."""
        began = time.monotonic()
        yield
        self.say(f"{what} in {time.monotonic() - began:.2f}s")

    def _start_engines(self) -> None:
        backends = self.config.backends
        backends.start()
        if backends.owned and backends.broker is not None and backends.broker.process is not None:
            self.state.record("broker", backends.broker.process.pid)

    def _prepare_engines(self) -> None:
        cfg = self.config
        with self._phase(f"{len(cfg.databases)} databases created and migrated"):
            cfg.backends.ensure_databases(cfg.databases)
            for db in cfg.databases:
                if db.component:
                    cfg.migrate(db.component, self._wiring.database_urls[db.key])
        from platformkit.topics import ensure_topics

        with self._phase("topics ready"):
            asyncio.run(ensure_topics(self._wiring.kafka_bootstrap))

    def _start_processes(self) -> None:
        """Every process at once (imports overlap on all cores), then the checks in order: each
        service SERVING, each worker running, the gateway, whose health check answers `true` only
        once the services, its database and the broker do, and last Envoy, checked through the
        public port."""
        slots = sorted(self._slots.values(), key=lambda s: START_RANK.get(s.spec.kind, 0))
        with self._lock:
            for slot in slots:
                self._spawn(slot)
        for slot in slots:
            with self._phase(f"{slot.spec.name} healthy"):
                self._wait_started(slot)

    def _wait_started(self, slot: _Slot) -> None:
        """A process dying during start-up fails the start whatever ``auto_restart`` says: it is a
        bug, not a transient, and restarting it would only hide its traceback."""
        self._wait(slot, None, None, fail_on_exit=True)

    def _wait(self, slot: _Slot, timeout: float | None, replacing_pid: int | None, *, fail_on_exit: bool) -> None:
        def ready() -> bool:
            child = slot.child
            return child is not None and child.pid != replacing_pid and child.running and self._probe(slot.spec)

        def dead() -> str | None:
            if self._cancelled.is_set():
                return "start cancelled"
            child = slot.child
            if not fail_on_exit or child is None or child.running or child.pid == replacing_pid:
                return None
            child.join_relay(1.0)  # its last lines are the traceback
            return f"exited with code {child.returncode}; last output:\n" + "\n".join(child.tail)

        try:
            wait_until(ready, timeout=timeout or self.config.startup_timeout, what=slot.spec.name, abort=dead)
        except NotReady as exc:
            raise StackError(str(exc)) from None

    # -- processes ----------------------------------------------------------------------------

    def _child(self, name: str) -> Child:
        child = self._slots[name].child
        if child is None:
            raise StackError(f"{name} was never started")
        return child

    def _spawn(self, slot: _Slot) -> None:
        """Start the slot's process (caller holds the lock)."""
        spec = slot.spec
        log_file = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_file = self.log_dir / f"{spec.name}.log"
        env = process_env(spec, self._wiring, self.config.environ)
        child = Child.python_module(spec.name, spec.module, env, self.sink, log_file=log_file, cwd=self.state.root)
        child.start()
        self.state.record(spec.name, child.pid)
        slot.child, slot.wanted, slot.restart_at = child, True, None

    def _probe(self, spec: ProcessSpec) -> bool:
        if spec.kind is Kind.GRPC:
            return grpc_serving(f"127.0.0.1:{self._wiring.bind_port(spec)}", spec.health_service)
        if spec.kind is Kind.HTTP:
            return http_true(f"http://127.0.0.1:{self._wiring.bind_port(spec)}{GATEWAY_HEALTH_PATH}")
        if spec.kind is Kind.EDGE:
            return http_true(self.gateway_url + GATEWAY_HEALTH_PATH)
        return True

    def _watch(self) -> None:
        """Notice processes that died on their own and restart them with backoff."""
        while not self._stopping.wait(0.1):
            with self._lock:
                for slot in self._slots.values():
                    self._check(slot)

    def _check(self, slot: _Slot) -> None:
        child = slot.child
        if not slot.wanted or child is None or child.running:
            return
        now = time.monotonic()
        if slot.restart_at is None:
            if not self.auto_restart:
                slot.wanted = False
                self.say(f"{slot.spec.name} exited with code {child.returncode}; auto-restart is off")
                return
            if now - child.started_at >= self.config.stable_after:
                slot.failures = 0
            first, cap = self.config.restart_backoff
            delay = min(first * 2**slot.failures, cap)
            slot.failures += 1
            slot.restart_at = now + delay
            self.say(f"{slot.spec.name} exited with code {child.returncode}; restarting in {delay:.1f}s")
        elif now >= slot.restart_at:
            child.wait_gone(1.0)  # the leader is gone; take any orphan of its group with it
            self._spawn(slot)
            slot.restarts += 1
            assert slot.child is not None
            self.say(f"{slot.spec.name} restarted (pid {slot.child.pid}, restart #{slot.restarts})")
