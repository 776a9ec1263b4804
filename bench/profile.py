"""A py-spy profile of the slowest load scenario, summarised into what the README can show.

After the measured runs, the scenario with the lowest throughput at the highest concurrency is
loaded once more (not measured) while py-spy samples the gateway and the busiest service of that
run from outside (``--nonblocking``: the processes are never paused; ``--gil``: on-CPU Python
only). The raw collapsed stacks go to bench/results/profile-<process>.txt (readable by speedscope
or flamegraph.pl); the summary keeps, per process, the functions with the most samples of their
own and the share of samples in which each library is on the stack, which is what says where a
request's CPU goes.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench import driver
from bench.loads import cpu_ms_per_request
from bench.scenarios.context import Context
from bench.stats import RunStats

RESULTS = Path(__file__).resolve().parent / "results"
SECONDS = 8
RATE = 250
TOP = 12
SERVICES = ("shootings", "shots", "outfits", "exports")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
_SITE = re.compile(r"site-packages/(?P<package>[A-Za-z0-9_]+)")
_STDLIB = re.compile(r"lib/python3\.\d+/|^<frozen ")
_REPO = ("gateway", "services", "platformkit", "protos", "bench")


def package_of(path: str) -> str:
    """The library (site-packages top level), the repo package, or ``stdlib``, of a source file."""
    match = _SITE.search(path)
    if match:
        return match.group("package")
    for package in _REPO:
        if f"/{package}/" in path or path.startswith(f"{package}/"):
            return package
    return "stdlib" if _STDLIB.search(path) else path.rsplit("/", 1)[-1]


def summarise(collapsed: str, top: int = TOP) -> dict[str, Any]:
    """Self samples by function and inclusive share by package of py-spy's raw (collapsed) output."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_FRAME.match(frame) for frame in stack.split(";")]
        packages = {package_of(m.group("file")) for m in frames if m}
        for package in packages:
            inclusive[package] += count
        leaf = frames[-1]
        if leaf:
            own[f"{leaf.group('function')} ({package_of(leaf.group('file'))})"] += count
    if not total:
        return {"samples": 0, "self": [], "packages": []}
    return {
        "samples": total,
        "self": [(name, round(100 * n / total, 1)) for name, n in own.most_common(top)],
        "packages": [(name, round(100 * n / total, 1)) for name, n in inclusive.most_common(top)],
    }


def slowest(runs: list[RunStats]) -> RunStats:
    """The platform run (not a floor, not the in-memory bytes) with the lowest throughput at the
    highest concurrency."""
    highest = max(run.concurrency for run in runs)
    candidates = [r for r in runs if r.concurrency == highest and "/api/v1/" in r.extra.get("url", "")]
    return min(candidates, key=lambda run: run.throughput)


async def record(pid: int, output: Path, seconds: float = SECONDS) -> None:
    """py-spy samples ``pid`` into ``output`` (raw collapsed stacks): only threads holding the GIL,
    so the profile is where the process spends CPU, not where it waits."""
    spy = Path(sys.executable).parent / "py-spy"
    process = await asyncio.create_subprocess_exec(
        str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", str(RATE),
        "--format", "raw", "--nonblocking", "--gil", "--output", str(output),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"py-spy failed on pid {pid}: {err.decode()[-500:]}")


async def profile_slowest(ctx: Context, runs: list[RunStats]) -> dict[str, Any]:
    """Profile the slowest scenario (see module doc); the summary per process."""
    run = slowest(runs)
    busiest = max(SERVICES, key=lambda name: cpu_ms_per_request(run, name))
    targets = {name: ctx.env.stack.pid(name) for name in ("gateway", busiest)}
    print(f"profiling {run.scenario} at c={run.concurrency}: {', '.join(targets)}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    outputs = {name: RESULTS / f"profile-{name}.txt" for name in targets}
    load = driver.Load(run.extra["url"], run.concurrency, SECONDS + 2, 10**6, ctx.auth)
    records = [record(pid, outputs[name]) for name, pid in targets.items()]
    await asyncio.gather(driver.run(load), *records)
    summary: dict[str, Any] = {"scenario": run.scenario, "concurrency": run.concurrency, "processes": {}}
    for name, path in outputs.items():
        summary["processes"][name] = summarise(path.read_text())
        summary["processes"][name]["cpu_ms_per_request"] = round(cpu_ms_per_request(run, name), 3)
    return summary
