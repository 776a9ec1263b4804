"""What one request costs in gRPC calls and SQL statements, read off the running stack.

Both come from the Prometheus endpoint of every process, scraped before and after the request:
``grpc_server_handled_total`` (health checks left out: the supervisor and Envoy probe on their
own schedule) and ``db_statements_total``, which counts each statement under the RPC or HTTP route
that sent it (platformkit.metrics). Statements of background loops (relays, consumers folding
events, probes) carry other origins, so a stack still digesting the seeding's events does not
blur the count, as the read-cost integration test filters by the tables the reads touch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.environment import BenchEnvironment

HANDLED = "grpc_server_handled"
STATEMENTS = "db_statements"
IGNORED_SERVICES = ("grpc.health.v1.Health", "grpc.reflection")
BACKGROUND = "background"
HEALTH_ROUTE = "/api/v1/utils/health-check/"


def counters(exposition: str) -> tuple[Counter[str], Counter[str]]:
    """gRPC calls by ``/service/method`` and SQL statements by origin, from one exposition."""
    calls: Counter[str] = Counter()
    statements: Counter[str] = Counter()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            if family.name == HANDLED:
                service = sample.labels.get("grpc_service", "")
                if not service.startswith(IGNORED_SERVICES):
                    calls[f"/{service}/{sample.labels.get('grpc_method', '')}"] += int(sample.value)
            elif family.name == STATEMENTS:
                origin = sample.labels.get("origin", "")
                if origin not in (BACKGROUND, HEALTH_ROUTE):
                    statements[origin] += int(sample.value)
    return calls, statements


async def _scrape(client: httpx.AsyncClient, urls: dict[str, str]) -> tuple[Counter[str], Counter[str]]:
    calls: Counter[str] = Counter()
    statements: Counter[str] = Counter()
    for url in urls.values():
        more_calls, more_statements = counters((await client.get(url)).text)
        calls += more_calls
        statements += more_statements
    return calls, statements


async def measure_cost(env: BenchEnvironment, request: Callable[[], Awaitable[object]]) -> dict[str, object]:
    """gRPC calls by method and SQL statements by origin of one ``request()``."""
    urls = env.metrics_urls()
    async with httpx.AsyncClient(timeout=10) as scraper:
        calls_before, statements_before = await _scrape(scraper, urls)
        await request()
        calls_after, statements_after = await _scrape(scraper, urls)
    calls, statements = calls_after - calls_before, statements_after - statements_before
    return {
        "grpc_calls": sum(calls.values()),
        "grpc_methods": dict(sorted(calls.items())),
        "sql_statements": sum(statements.values()),
        "sql_by_origin": dict(sorted(statements.items())),
    }
