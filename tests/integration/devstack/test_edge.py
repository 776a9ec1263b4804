"""The local Envoy (devstack.edge, the real binary) in front of the fake gateway."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
import yaml

from devstack.edge import CONFIG_NAME
from devstack.health import http_true
from devstack.processes import EDGE, GATEWAY_HEALTH_PATH, Kind
from devstack.stack import Stack
from devstack.stack_wiring import PROMETHEUS_TARGETS
from tests.integration.devstack.conftest import (
    FAKE_GATEWAY,
    FAKE_WORKER,
    Lines,
    assert_groups_gone,
    env_of,
    fake_config,
    fake_service,
    shared_backends,
    wait_for,
)

EDGE_TABLE = (fake_service("alpha"), FAKE_WORKER, FAKE_GATEWAY, EDGE)


@pytest.fixture(scope="module")
def edged(tmp_path_factory: pytest.TempPathFactory, engines) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    stack = Stack(fake_config(tmp_path_factory.mktemp("edge"), shared_backends(engines), EDGE_TABLE))
    stack.start()
    yield stack
    stack.stop()


def test_the_public_port_is_envoys_and_the_gateway_sits_behind_it(edged: Stack) -> None:
    wiring = edged.wiring
    assert wiring is not None and wiring.gateway_bind_port not in {None, wiring.gateway_port}
    public = httpx.get(edged.gateway_url + GATEWAY_HEALTH_PATH)
    assert public.json() is True and public.headers["server"] == "envoy"
    direct = httpx.get(wiring.gateway_bind_url + GATEWAY_HEALTH_PATH)
    assert direct.json() is True and "envoy" not in direct.headers.get("server", "")
    assert env_of(edged, "gateway")["GATEWAY_PORT"] == str(wiring.gateway_bind_port)


def test_api_requests_reach_the_gateway_with_a_request_id(edged: Stack) -> None:
    echoed = httpx.get(f"{edged.gateway_url}/api/v1/anything?x=1").json()
    assert echoed["path"] == "/api/v1/anything?x=1"
    # (For a loopback client Envoy appends the machine's own address, not 127.0.0.1.)
    assert echoed["headers"]["x-request-id"] and echoed["headers"]["x-forwarded-for"]


def test_a_client_cannot_name_its_own_address(edged: Stack) -> None:
    """Envoy sets X-Forwarded-For to the address it saw, dropping what the client sent: the
    gateway throttles logins per client address from it."""
    sent = httpx.get(f"{edged.gateway_url}/api/v1/anything", headers={"X-Forwarded-For": "6.6.6.6, 7.7.7.7"}).json()
    plain = httpx.get(f"{edged.gateway_url}/api/v1/anything").json()
    forwarded = sent["headers"]["x-forwarded-for"]
    assert "6.6.6.6" not in forwarded and "7.7.7.7" not in forwarded
    assert forwarded == plain["headers"]["x-forwarded-for"]
    assert "," not in forwarded


def test_metrics_and_unknown_paths_are_not_public(edged: Stack) -> None:
    wiring = edged.wiring
    assert wiring is not None
    assert httpx.get(wiring.gateway_bind_url + "/metrics").status_code == 200
    hidden = httpx.get(edged.gateway_url + "/metrics")
    assert (hidden.status_code, hidden.json(), hidden.headers["server"]) == (404, {"detail": "Not Found"}, "envoy")


def test_envoy_logs_each_request_as_json(edged: Stack) -> None:
    httpx.get(f"{edged.gateway_url}/api/v1/logged-path")
    lines = edged.sink
    assert isinstance(lines, Lines)

    def logged() -> list[dict[str, object]]:
        return [json.loads(line) for line in lines.of("envoy") if "/api/v1/logged-path" in line]

    wait_for(lambda: bool(logged()), "the access log line")
    entry = logged()[0]
    assert entry["status"] == 200 and entry["method"] == "GET" and "trace_id" in entry


def test_the_generated_config_and_metrics_targets_are_in_the_state_folder(edged: Stack) -> None:
    wiring = edged.wiring
    assert wiring is not None
    config = yaml.safe_load((edged.state.root / CONFIG_NAME).read_text())
    assert config["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"] == wiring.gateway_port
    targets = json.loads((edged.state.root / PROMETHEUS_TARGETS).read_text())
    by_process = {group["labels"]["process"]: group for group in targets}
    assert set(by_process) == {"alpha", "worker", "gateway", "envoy"}
    assert by_process["envoy"]["labels"]["__metrics_path__"] == "/stats/prometheus"
    assert by_process["gateway"]["targets"] == [f"127.0.0.1:{wiring.gateway_bind_port}"]
    assert http_true(f"http://127.0.0.1:{wiring.edge_admin_port}/ready") is False  # "LIVE", not JSON
    assert httpx.get(f"http://127.0.0.1:{wiring.edge_admin_port}/ready").text.strip() == "LIVE"


def test_envoy_exports_every_metric_the_dashboard_queries(edged: Stack) -> None:
    from tests.deploy.test_dashboards import dashboard_envoy_metrics

    wiring = edged.wiring
    assert wiring is not None
    exposition = httpx.get(f"http://127.0.0.1:{wiring.edge_admin_port}/stats/prometheus").text
    exported = set(re.findall(r"^(envoy_\w+)[{ ]", exposition, re.M))
    queried = dashboard_envoy_metrics()
    assert queried and queried <= exported, sorted(queried - exported)


def test_stopping_takes_envoy_with_it(make_stack) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack((FAKE_GATEWAY, EDGE))
    stack.start()
    assert [s.kind for s in stack.config.processes] == [Kind.HTTP, Kind.EDGE]
    pid = stack.pid("envoy")
    stack.stop()
    assert_groups_gone([pid])
    assert stack.returncode("envoy") == 0
