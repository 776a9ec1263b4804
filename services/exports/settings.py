"""Settings of the exports service and its push workers (`DATABASE_URL_EXPORTS`,
`EXPORTS_GRPC_BIND`, the secrets key and the push protocol's knobs)."""

from __future__ import annotations

import os

from pydantic import SecretStr

from platformkit.settings import ServiceSettings, settings_for


class ExportsBase(ServiceSettings):
    # Keys that encrypt integration secrets at rest, comma-separated: the first encrypts, every
    # one decrypts (rotation: prepend the new key, re-save, then drop the old one). Unset: a key
    # derived from SECRET_KEY (the local stack gives it to every process); neither: refused.
    exports_secrets_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    # Push protocol: attempts per push for retryable answers (5xx, 408, 429, timeouts), the
    # exponential backoff between them, and the timeout of one POST.
    push_max_attempts: int = 5
    push_retry_initial_seconds: float = 1.0
    push_retry_max_seconds: float = 30.0
    push_timeout_seconds: float = 30.0
    # Downloads stream to the gateway in chunks of this size.
    download_chunk_bytes: int = 256 * 1024


ExportsSettings = settings_for("exports", ExportsBase)


def load_settings() -> ExportsBase:
    return ExportsSettings()  # type: ignore[return-value]


def load_worker_settings() -> ExportsBase:
    """The service's settings; the worker's own gRPC health port is free (``PUSH_WORKER_GRPC_BIND``,
    default any port) so it never collides with the service's."""
    settings = load_settings()
    settings.grpc_bind = os.environ.get("PUSH_WORKER_GRPC_BIND", "127.0.0.1:0")
    return settings
