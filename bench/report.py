"""The report of one run: bench/results/latest.json (everything), latest.md (the tables the README
embeds) and latest.png (bench/chart.py). Rendering is pure (a results dict in, text out) so the
unit tests can check it without a stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.loads import cpu_ms_per_request, driver_ceiling
from bench.scenarios import http
from bench.stats import RunStats
from bench.targets import NOT_THE_STACK, SERVICES, Target, evaluate

CPU_COLUMNS = ("envoy", "gateway", "services", "postgres", "floor", "driver")


def _cpu(run: RunStats, column: str) -> float:
    if column == "services":
        return sum(cpu_ms_per_request(run, name) for name in SERVICES)
    return cpu_ms_per_request(run, column)


def runs_table(runs: list[RunStats]) -> list[str]:
    head = "| scenario | c | req/s | p50 ms | p95 ms | p99 ms | errors | " + " | ".join(CPU_COLUMNS) + " |"
    lines = [
        "CPU columns: CPU milliseconds per request of each process (services: the four summed).",
        "",
        head,
        "|" + "---|" * (7 + len(CPU_COLUMNS)),
    ]
    for run in runs:
        cpu = " | ".join(f"{_cpu(run, column):.2f}" for column in CPU_COLUMNS)
        lines.append(
            f"| {run.scenario} | {run.concurrency} | {run.throughput:,.0f} | {run.p50_ms:.2f} | {run.p95_ms:.2f}"
            f" | {run.p99_ms:.2f} | {run.errors} | {cpu} |"
        )
    return lines


def _mark(holds: bool | None) -> str:
    return {True: "holds", False: "**fails**", None: "not measured"}[holds]


def _bound(target: Target, bound: float | None) -> str:
    return "-" if bound is None else f"{'<=' if target.at_most else '>='} {bound:g}"


def targets_table(targets: list[Target]) -> list[str]:
    lines = ["| # | target | measured | limit | result | goal | goal reached |", "|---|---|---|---|---|---|---|"]
    for t in targets:
        measured = "-" if t.measured is None else f"{t.measured:g}"
        detail = f" ({t.detail})" if t.detail else ""
        reached = "-" if t.goal is None else {True: "yes", False: "no", None: "not measured"}[t.reaches_goal]
        lines.append(
            f"| {t.id} | {t.what}{detail} | {measured} | {_bound(t, t.limit)} | {_mark(t.holds)}"
            f" | {_bound(t, t.goal)} | {reached} |"
        )
    return lines


# The scenarios whose CPU per request per process the report shows, against the baseline.
CPU_SCENARIOS = (
    (http.HEADER_PUBLIC, 1),
    (http.HEADER_PUBLIC, 32),
    (http.BOARD_PUBLIC, 1),
    (http.BOARD_PUBLIC, 32),
    (http.BOARD_COMPOSED, 1),
    (http.BOARD_COMPOSED, 32),
    (http.BOARD_CALLERS, 32),
)
PER_PROCESS = ("envoy", "gateway", *SERVICES, "postgres", "broker")


def cpu_per_process(runs: list[RunStats]) -> dict[str, dict[str, float]]:
    """``{"<scenario> c=<n>": {process: CPU ms per request}}`` of the header and board runs."""
    found = {(r.scenario, r.concurrency): r for r in runs}
    return {
        f"{scenario} c={concurrency}": {p: round(cpu_ms_per_request(run, p), 2) for p in PER_PROCESS}
        for scenario, concurrency in CPU_SCENARIOS
        if (run := found.get((scenario, concurrency))) is not None
    }


def _before_after(before: float | None, after: float | None) -> str:
    if after is None:
        return "-"
    return f"{after:.2f}" if before is None else f"{before:.2f} -> {after:.2f}"


def _held_fetch(prop: dict[str, Any]) -> str:
    """The broker's produce-to-consume with a held fetch, as the platform's consumers read (not a
    target's figure: target 5 divides by the baseline without one)."""
    held = prop.get("broker_held_fetch")
    if not held:
        return ""
    shown = f"p50 {held['p50_ms']} ms, p99 {held['p99_ms']} ms"
    return f" (with a fetch held when the record comes, as consumers read: {shown})"


def cpu_table(result: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """CPU ms per request of each process, the baseline's (before) and this run's (after)."""
    after = cpu_per_process([RunStats.from_dict(r) for r in result.get("runs", [])])
    if not after:
        return []
    before = baseline.get("cpu_ms_per_request", {})
    lines = [
        f"CPU ms per request per process, before ({baseline.get('label', 'no baseline')}) -> after (this run):",
        "",
        "| run | " + " | ".join(PER_PROCESS) + " |",
        "|---|" + "---|" * len(PER_PROCESS),
    ]
    for run, figures in after.items():
        cells = " | ".join(_before_after(before.get(run, {}).get(p), figures[p]) for p in PER_PROCESS)
        lines.append(f"| {run} | {cells} |")
    return [*lines, ""]


def idle_table(result: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    idle = {name: cores for name, cores in (result.get("idle_cpu_cores") or {}).items() if name not in NOT_THE_STACK}
    if not idle:
        return []
    before = baseline.get("idle_cpu_cores", {})
    names = sorted(idle, key=lambda n: -idle[n])
    return [
        "Idle stack CPU per process (cores), before -> after:",
        "",
        "| " + " | ".join([*names, "all"]) + " |",
        "|" + "---|" * (len(names) + 1),
        "| "
        + " | ".join(
            [
                *(_before_after(before.get(n), idle[n]) for n in names),
                _before_after(sum(before.values()) if before else None, sum(idle.values())),
            ]
        )
        + " |",
        "",
    ]


def other_sections(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    looks = result.get("looks_create")
    if looks:
        lines += [
            f"- Creating looks (scenario 4): one look with {looks['shot_types']} shots p50 "
            f"{looks['single_look_p50_ms']:.1f} ms; {looks['bulk_looks']:,} looks in one request "
            f"{looks['bulk_seconds']:.2f} s = {looks['per_look_ms']:.2f} ms per look.",
        ]
    prop = result.get("propagation")
    if prop:
        after, sent, broker = prop["after_commit"], prop["after_send"], prop["broker"]
        answer = prop.get("after_answer")
        seen = ""
        if answer:
            seen = f"; after the answer (0 if it committed first): p50 {answer['p50_ms']}, p99 {answer['p99_ms']} ms"
        lines.append(
            f"- Status propagation (scenario 5, {after['count']} changes): commit -> roll-up committed p50"
            f" {after['p50_ms']} ms, p99 {after['p99_ms']} ms{seen} (from sending the request: p50 {sent['p50_ms']},"
            f" p99 {sent['p99_ms']} ms); broker produce -> consume p50 {broker['p50_ms']} ms,"
            f" p99 {broker['p99_ms']} ms{_held_fetch(prop)}."
        )
        parts = prop.get("breakdown")
        if parts:
            shown = "; ".join(f"{name} p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms" for name, d in parts.items())
            lines.append(
                "- Roll-up breakdown per change (the database's timestamps: the change's commit, the broker's"
                f" acknowledgement, the consumer's transaction start and commit): {shown}."
            )
        socket = prop.get("websocket_after_commit")
        if socket:
            lines.append(
                f"- Live stream (issue 11): answer -> WebSocket `status_changed` message through Envoy p50"
                f" {socket['p50_ms']} ms, p99 {socket['p99_ms']} ms (broker p99 {broker['p99_ms']} ms)."
            )
    observed = result.get("observability")
    if observed:
        shown = "; ".join(
            f"{name}: " + ", ".join(f"{kind} {share}%" for kind, share in kinds.items())
            for name, kinds in observed["share_percent"].items()
        )
        lines.append(
            f"- Observability (scenario 8, {observed['settings']}, {observed['spans_exported']} spans exported):"
            f" share of the header's CPU samples: {shown}."
        )
    gen = result.get("generation")
    if gen:
        rounds = "; ".join(
            f"{n} worker(s) {r['generations_per_second']:.2f}/s, jobs per worker {r['split']}"
            for n, r in gen["rounds"].items()
        )
        lines.append(
            f"- Generation (scenario 6, {gen['jobs']} jobs at {gen['synthetic_cost_seconds_per_image']} s each):"
            f" {rounds}; ratio {gen['ratio']:.2f}."
        )
    memory = result.get("memory")
    if memory:
        peaks = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(memory.items(), key=lambda kv: -kv[1]))
        lines.append(f"- Peak RSS under the board (scenario 7, MB; postgres sums its backends): {peaks}.")
    return lines


def driver_line(runs: list[RunStats]) -> list[str]:
    floor = next((r for r in runs if r.scenario == http.FLOOR_CONSTANT and r.concurrency == 32), None)
    if floor is None:
        return []
    return [
        f"- Load driver: {cpu_ms_per_request(floor, 'driver') * 1000:.0f} us of CPU per request, a ceiling of"
        f" ~{driver_ceiling(floor):,.0f} req/s on one core, against {floor.throughput:,.0f} req/s of the"
        " constant-JSON floor at c=32 (the driver shares the 2 cores with what it measures)."
    ]


BASELINE = Path(__file__).resolve().parent / "baseline.json"


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    """The figures the "before" columns show (bench/baseline.json), or none."""
    return dict(json.loads(path.read_text())) if path.exists() else {}


def render(result: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """The Markdown of one run (what latest.md holds and `make bench` prints)."""
    baseline = load_baseline() if baseline is None else baseline
    runs = [RunStats.from_dict(r) for r in result.get("runs", [])]
    before, after = result.get("machine_before", {}), result.get("machine_after", {})
    lines = [
        f"Measured {result.get('measured_at', '?')} on {before.get('cpus', '?')} CPUs, Python "
        f"{before.get('python', '?')}; load average before {before.get('load_average')}, after "
        f"{after.get('load_average')}; `make bench` took {result.get('bench_seconds', 0):.0f} s.",
        "",
        *runs_table(runs),
        "",
        *targets_table(evaluate(result)),
        "",
        *cpu_table(result, baseline),
        *idle_table(result, baseline),
        *other_sections(result),
        *driver_line(runs),
    ]
    if result.get("leftover_processes"):
        lines.append(f"- **Processes left behind**: {result['leftover_processes']}")
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], folder: Path) -> str:
    """latest.json, latest.md and latest.png in ``folder``; returns the Markdown."""
    from bench.chart import draw

    folder.mkdir(parents=True, exist_ok=True)
    result["targets"] = [t.to_dict() for t in evaluate(result)]
    (folder / "latest.json").write_text(json.dumps(result, indent=1) + "\n")
    markdown = render(result)
    (folder / "latest.md").write_text(markdown)
    draw(result, folder / "latest.png")
    return markdown
