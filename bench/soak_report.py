"""What a soak run found, in words: the guarantees it violated (``make soak`` fails on any) and the
table it prints (bench/soak.py runs the load; bench/soak_memory.py judges the memory)."""

from __future__ import annotations

from typing import Any

from bench.soak_memory import RSS_TOLERANCE


def violations(result: dict[str, Any]) -> list[str]:
    found = []
    if result["count_5xx"]:
        found.append(f"{result['count_5xx']} answers were 5xx")
    if result["unanswered_count"]:
        found.append(f"{result['unanswered_count']} requests got no answer")
    if result["lost_count"]:
        found.append(f"{result['lost_count']} accepted actions lost: {result['lost']}")
    unstable = [name for name, v in result["rss"].items() if v["judged"] and not v["stable"]]
    if unstable:
        found.append(f"RSS not stable within {RSS_TOLERANCE:.0%}: {', '.join(unstable)}")
    if not result["rss"]:
        found.append("no RSS samples")
    if result["restarts"]:
        found.append(f"processes crashed and were restarted: {result['restarts']}")
    if result["leftover_processes"]:
        found.append(f"processes left behind: {result['leftover_processes']}")
    return found


def table(result: dict[str, Any]) -> str:
    acc, lost = result["accepted"], result["lost"]
    lines = [
        f"soak: {result['users']} users for {result['load_seconds']} s "
        f"(warm-up {result['warmup_seconds']:.0f} s, setup {result['setup_seconds']} s, "
        f"settled in {result['settle_seconds']} s)",
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests during the load | {result['load_requests']} ({result['requests_per_second']}/s) |",
        f"| 5xx answers | {result['count_5xx']} |",
        f"| requests without an answer | {result['unanswered_count']} |",
        f"| 4xx answers | {result['count_4xx']} |",
        f"| kanban loops completed (look to export) | {result['loops_completed']} |",
        f"| processes restarted after a crash | {sum(result['restarts'].values())} |",
        "",
        "| accepted action | count | lost |",
        "|---|---:|---:|",
    ]
    rows = [
        ("looks created", acc["looks"], "look"),
        ("outfit proposals (generate_outfit)", acc["proposals"], "proposal"),
        ("generations (completed, one revision)", acc["generations"], "generation"),
        (
            f"statuses: {acc['reviews']} reviews, {acc['approvals']} approvals (shot and look roll-up)",
            acc["looks"],
            "status",
        ),
        ("exports (push COMPLETED, one post)", acc["exports"], "push"),
    ]
    lines += [f"| {label} | {count} | {lost.get(kind, 0)} |" for label, count, kind in rows]
    cores = result.get("cpu_cores") or {}
    lines += ["", "CPU through the load, cores: " + ", ".join(f"{name} {share}" for name, share in cores.items())]
    lines += ["", "| process | RSS first third MB | RSS last third MB | change | stable |", "|---|---:|---:|---:|---|"]
    for name, v in sorted(result["rss"].items()):
        change = "n/a" if v["change"] is None else f"{v['change']:+.1%}"
        verdict = "yes" if v["stable"] else "NO" if v["judged"] else "no (holds data: not judged)"
        lines.append(f"| {name} | {v['first_mb']} | {v['last_mb']} | {change} | {verdict} |")
    return "\n".join(lines)
