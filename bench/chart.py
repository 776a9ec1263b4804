"""The PNG of one run: latency distributions and throughput per load scenario, and the status
propagation next to the broker's own latency. matplotlib's Agg backend: no display needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.stats import RunStats


def draw(result: dict[str, Any], path: Path) -> None:
    runs = [RunStats.from_dict(r) for r in result.get("runs", [])]
    scenarios = list(dict.fromkeys(run.scenario for run in runs))
    concurrencies = sorted({run.concurrency for run in runs})
    fig, axes = plt.subplots(1, 3, figsize=(19, 6.5), gridspec_kw={"width_ratios": [3, 2, 2]})
    latency, throughput, propagation = axes

    positions, data, labels = [], [], []
    for i, scenario in enumerate(scenarios):
        for j, concurrency in enumerate(concurrencies):
            run = next((r for r in runs if r.scenario == scenario and r.concurrency == concurrency), None)
            if run and run.samples_ms:
                positions.append(i * (len(concurrencies) + 1) + j)
                data.append(run.samples_ms)
                labels.append(f"{scenario} c={concurrency}")
    if data:
        latency.boxplot(data, positions=positions, vert=False, whis=(1, 99), showfliers=False, widths=0.7)
        latency.set_yticks(positions, labels, fontsize=7)
        latency.set_xscale("log")
    latency.set_xlabel("latency, ms (log; box p25-p75, whiskers p1-p99)")
    latency.set_title("Latency per scenario")
    latency.invert_yaxis()

    width = 0.8 / max(len(concurrencies), 1)
    for j, concurrency in enumerate(concurrencies):
        values = [
            next((r.throughput for r in runs if r.scenario == s and r.concurrency == concurrency), 0.0)
            for s in scenarios
        ]
        throughput.barh([i + j * width for i in range(len(scenarios))], values, height=width, label=f"c={concurrency}")
    throughput.set_yticks([i + width / 2 for i in range(len(scenarios))], scenarios, fontsize=7)
    throughput.invert_yaxis()
    throughput.set_xlabel("requests per second")
    throughput.set_title("Throughput per scenario")
    throughput.legend()

    prop = result.get("propagation")
    if prop:
        curves = (
            ("after_commit", "status change -> roll-up (commit to commit)"),
            ("websocket_after_commit", "answer -> WebSocket message"),
            ("broker", "broker produce -> consume"),
        )
        for key, label in curves:
            samples = sorted(prop.get(key, {}).get("samples_ms", []))
            if samples:
                propagation.plot(samples, [(k + 1) / len(samples) for k in range(len(samples))], label=label)
        propagation.set_xscale("log")
        propagation.legend()
    propagation.set_xlabel("latency, ms (log)")
    propagation.set_ylabel("share of samples at or below")
    propagation.set_title("Status propagation vs the broker")

    fig.suptitle(f"make bench, {result.get('measured_at', '')} (one run, side by side)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
