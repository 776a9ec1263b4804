"""The sampler keeps housekeeping out of traces and leaves user work alone."""

from opentelemetry.sdk.trace.sampling import Decision

from platformkit.telemetry import HousekeepingSampler, fastapi_telemetry


def test_health_checks_and_epoch_reads_are_dropped():
    sampler = HousekeepingSampler()
    for name in ("/grpc.health.v1.Health/Check", "_platform.epoch receive", "_platform.epoch send"):
        assert sampler.should_sample(None, 1, name).decision == Decision.DROP


def test_user_work_is_sampled():
    sampler = HousekeepingSampler()
    for name in (
        "POST /api/v1/shootings/",
        "/shootings.v1.ShootingsService/CreateShooting",
        "shootings.events receive",
    ):
        assert sampler.should_sample(None, 1, name).decision == Decision.RECORD_AND_SAMPLE


def test_health_probes_metrics_and_the_live_socket_are_not_traced():
    untraced = fastapi_telemetry()["exclude"]
    for path in ("/api/v1/utils/health-check/", "/metrics", "/api/v1/ws"):
        assert untraced({"path": path}), path
    for path in ("/api/v1/shootings/", "/api/v1/shootings/1/header", "/api/v1/login/access-token"):
        assert not untraced({"path": path}), path
