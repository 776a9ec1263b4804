"""Process settings, read from the environment and validated at start.

Every process builds one settings object from a subclass of :class:`ProcessSettings`.
Secrets are ``SecretStr`` so that they never appear in logs or reprs.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

# Default loopback ports of the local stack; deploy/ overrides them.
DEFAULT_GRPC_PORTS = {"shootings": 50061, "shots": 50062, "outfits": 50063, "exports": 50064}
SERVICE_NAMES = tuple(DEFAULT_GRPC_PORTS)


class ProcessSettings(BaseSettings):
    """Settings every process shares."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False, populate_by_name=True)

    log_level: str = "INFO"
    # "json" (default) or "text" for humans at a terminal.
    log_format: str = "json"
    otel_exporter_otlp_endpoint: str | None = None
    # Share of new traces recorded and exported (0-1); without an exporter nothing is recorded.
    otel_traces_sampler_arg: float = Field(default=1.0, ge=0.0, le=1.0)
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Short group timings keep rebalances near one second on the default broker.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    # How long the broker may hold a fetch that finds no record. The default broker does not answer a
    # held fetch when a record arrives: it looks again after half the wait, then half of the rest
    # (measured: with 50 a record waited up to 26 ms, with 5 up to 5), so it is short; Apache Kafka
    # answers as soon as a record arrives (500 there). Quiet consumers pace their fetches, so a
    # short wait costs little when nothing comes.
    kafka_fetch_max_wait_ms: int = 5
    # The same for background consumers (work queues, pushes, records another service keeps for
    # later: no read waits on their next record within milliseconds). A busy consumer fetches
    # once per wait whether records come or not, and each empty fetch costs the broker and the
    # consumer CPU: with 5 ms everywhere, fetching alone cost about 35 ms of CPU per created look.
    kafka_background_fetch_max_wait_ms: int = 50
    # A consumer that finds no record paces its fetches: its partitions stay paused for this
    # fraction of the time it has found none (once that exceeds its fetch wait), at most
    # kafka_idle_poll_max_ms (0: never pause, the setting for Apache Kafka's long polling). A record
    # after a quiet spell waits at most this fraction of it. See platformkit.polling.
    kafka_idle_wait_fraction: float = 0.05
    kafka_idle_poll_max_ms: int = 200
    # Seconds between checks that the broker still holds what we published (see platformkit.bus).
    broker_epoch_check_interval: float = 2.0
    # Outbox rows published within this window are published again after the broker lost its data.
    outbox_replay_window_hours: float = 168.0
    grpc_deadline_seconds: float = 10.0
    # host:port where a process without an HTTP port of its own serves Prometheus metrics (unset:
    # not served). The gateway serves /metrics on its HTTP port instead.
    metrics_bind: str | None = None
    # Signed principals between processes (platformkit.principal_tokens): this process's Ed25519
    # private key, every signer's public key (issuer:key,...), and how long a token lives.
    principal_signing_key: SecretStr | None = None
    principal_public_keys: str | None = None
    principal_token_ttl_seconds: float = Field(default=60.0, ge=2)

    def grpc_target(self, service: str) -> str:
        """Address of a service's gRPC endpoint, from ``<SERVICE>_GRPC_TARGET`` or the local default."""
        return getattr(self, f"{service}_grpc_target")

    shootings_grpc_target: str = Field(default=f"127.0.0.1:{DEFAULT_GRPC_PORTS['shootings']}")
    shots_grpc_target: str = Field(default=f"127.0.0.1:{DEFAULT_GRPC_PORTS['shots']}")
    outfits_grpc_target: str = Field(default=f"127.0.0.1:{DEFAULT_GRPC_PORTS['outfits']}")
    exports_grpc_target: str = Field(default=f"127.0.0.1:{DEFAULT_GRPC_PORTS['exports']}")


class ServiceSettings(ProcessSettings):
    """Settings of a gRPC service process.

    Each service subclasses it and declares ``database_url`` and ``grpc_bind`` with its own
    environment names (``DATABASE_URL_<SERVICE>``, ``<SERVICE>_GRPC_BIND``), see
    :func:`service_env`.
    """

    service_name: str
    database_url: SecretStr
    grpc_bind: str
    db_pool_size: int = 10


def service_env(service: str, setting: str) -> AliasChoices:
    """Environment names of a per-service setting: the specific one first, then the generic one.

    ``service_env("shootings", "database_url")`` reads ``DATABASE_URL_SHOOTINGS`` then ``DATABASE_URL``;
    ``service_env("shootings", "grpc_bind")`` reads ``SHOOTINGS_GRPC_BIND`` then ``GRPC_BIND``.
    """
    if setting == "database_url":
        return AliasChoices(f"DATABASE_URL_{service.upper()}", "DATABASE_URL")
    return AliasChoices(f"{service.upper()}_{setting.upper()}", setting.upper())


def settings_for(service: str, base: type[ServiceSettings] = ServiceSettings) -> type[ServiceSettings]:
    """The settings class of one service: ``base`` with the service's name and env names bound.

    ``settings_for("shots")()`` reads ``DATABASE_URL_SHOTS``, ``SHOTS_GRPC_BIND`` and
    ``SHOTS_METRICS_BIND`` (each falling back to the generic name); a service with
    settings of its own passes a ``base`` subclass declaring them.
    """
    default_bind = f"127.0.0.1:{DEFAULT_GRPC_PORTS.get(service, 0)}"
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{service.capitalize()}Settings",
        __base__=base,
        service_name=(str, service),
        database_url=(SecretStr, Field(validation_alias=service_env(service, "database_url"))),
        grpc_bind=(str, Field(default=default_bind, validation_alias=service_env(service, "grpc_bind"))),
        metrics_bind=(str | None, Field(default=None, validation_alias=service_env(service, "metrics_bind"))),
    )
