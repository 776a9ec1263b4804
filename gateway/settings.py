"""Settings of the gateway process.

Secrets are ``SecretStr``. Local runs work with no configuration at all: a missing
``SECRET_KEY`` is replaced by a random one and the default first superuser is used, each with a
loud warning at start (:meth:`GatewaySettings.startup_warnings`); ``ENVIRONMENT=production``
turns both into start-up errors instead.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from gateway.login_throttle import Limits
from platformkit.settings import ProcessSettings, service_env

DEFAULT_FIRST_SUPERUSER = "admin@example.com"
DEFAULT_FIRST_SUPERUSER_PASSWORD = "changethis"  # the documented local default


def _random_secret() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(32))


class GatewaySettings(ProcessSettings):
    """Everything the gateway reads from the environment."""

    # Field names work next to the env aliases, so tests can write GatewaySettings(database_url=...).
    model_config = SettingsConfigDict(validate_by_name=True, validate_by_alias=True)

    environment: Literal["local", "production"] = "local"
    database_url: SecretStr = Field(validation_alias=service_env("gateway", "database_url"))
    db_pool_size: int = 10
    secret_key: SecretStr = Field(default_factory=_random_secret)
    access_token_expire_minutes: int = 60
    # argon2id cost of new password hashes (RFC 9106's second recommended option: 64 MiB, 3 passes).
    # Test stacks lower it: the code path is the same, each hash costs a fraction of the CPU.
    password_hash_memory_kib: int = Field(default=65536, ge=64)
    password_hash_iterations: int = Field(default=3, ge=1)
    first_superuser: str = DEFAULT_FIRST_SUPERUSER
    first_superuser_password: SecretStr = SecretStr(DEFAULT_FIRST_SUPERUSER_PASSWORD)
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Absolute URLs handed to clients (media upload/download) start with this when set.
    public_base_url: str | None = None
    # Longest a caller's identity (account, organizations) is served from memory; PostgreSQL
    # notifications end it at once when it changes (gateway/principals.py). 0: read it per request.
    principal_cache_seconds: float = 300.0
    # Board answers (E9, E10) served from memory while every row behind them is unchanged
    # (gateway/board_cache.py): at most this many MB of answers, each at most this many seconds
    # (media links in them are signed for MEDIA_READ_TTL_SECONDS). 0 in either: no cache.
    # BOARD_CACHE_AUDIT=1 composes every answer served from memory again and fails on a difference.
    board_cache_mb: float = Field(default=32.0, ge=0)
    board_cache_seconds: float = Field(default=60.0, ge=0)
    board_cache_audit: bool = False
    # Upper bound of each dependency probe of the health endpoints.
    health_check_timeout_seconds: float = 2.0
    # BENCH_ENDPOINTS=1: mount the internal /_bench routes `make bench` compares against
    # (gateway/bench_routes.py); never set in a normal run.
    bench_endpoints: bool = False
    # The review console's built files (gateway/console.py); unset: console/dist of this checkout.
    console_dir: Path | None = None
    # Idempotency-Key: how long an answer is replayed, and the lease a running request holds on
    # its key (renewed while it runs): a repeat may take the key over once a dead gateway's lapsed.
    idempotency_key_ttl_hours: float = Field(default=24.0, gt=0)
    idempotency_lease_seconds: float = Field(default=15.0, ge=1)
    # Failed logins answered 429 beyond these counts within the window (per account, per address).
    login_max_failures_per_account: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_failure_window_minutes: float = Field(default=15.0, gt=0)
    # Seconds between two runs of the housekeeping job (expired idempotency keys, old failed logins).
    housekeeping_interval_seconds: float = Field(default=300.0, gt=0)

    @property
    def login_limits(self) -> Limits:
        return Limits(
            per_account=self.login_max_failures_per_account,
            per_address=self.login_max_failures_per_address,
            window=timedelta(minutes=self.login_failure_window_minutes),
        )

    @property
    def secret_key_generated(self) -> bool:
        """True when no SECRET_KEY was given: tokens then die with the process."""
        return "secret_key" not in self.model_fields_set

    @property
    def default_superuser_credentials(self) -> bool:
        return self.first_superuser_password.get_secret_value() == DEFAULT_FIRST_SUPERUSER_PASSWORD

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> GatewaySettings:
        if self.environment == "production":
            if self.secret_key_generated:
                raise ValueError("SECRET_KEY must be set in production")
            if self.default_superuser_credentials:
                raise ValueError("FIRST_SUPERUSER_PASSWORD must be changed from its default in production")
        return self

    def startup_warnings(self) -> list[str]:
        """What the process must shout about at start (logged once logging is configured)."""
        warnings = []
        if self.secret_key_generated:
            warnings.append(
                "SECRET_KEY is not set: using a random key generated at start; "
                "access tokens will not survive a restart and differ between gateway replicas"
            )
        if self.default_superuser_credentials:
            warnings.append(
                f"the first superuser {self.first_superuser} uses the default password "
                f"'{DEFAULT_FIRST_SUPERUSER_PASSWORD}': set FIRST_SUPERUSER_PASSWORD"
            )
        return warnings


def load_settings() -> GatewaySettings:
    """The gateway's settings from the environment (also used by ``platformkit.migrations``)."""
    return GatewaySettings()  # type: ignore[call-arg]
