"""Media settings, read from the environment by every process that touches media."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
# Envoy's body limit (deploy/envoy/params.py) is this plus 1 MiB of headroom.


class MediaSettings(BaseSettings):
    """``MEDIA_*`` settings (plus ``STATE_DIR``, ``SECRET_KEY``, ``PUBLIC_BASE_URL``,
    ``ENVIRONMENT`` and ``OUTBOUND_PUBLIC_ONLY``).

    The signing key is ``MEDIA_SIGNING_KEY`` when set, else derived from ``SECRET_KEY`` (so
    every gateway replica of one deployment verifies the others' URLs without another secret),
    else random per process (local tests only: URLs then die with the process).
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    media_backend: Literal["local", "s3"] = "local"
    state_dir: Path = Path(".state")
    # Local backend folder; default STATE_DIR/media.
    media_root: Path | None = None
    media_max_bytes: int = DEFAULT_MAX_BYTES
    media_signing_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    # Lifetime of signed upload (PUT) and read (GET) URLs.
    media_upload_ttl_seconds: int = 900
    media_read_ttl_seconds: int = 3600
    # Read URLs without a signature (a CDN or a public bucket in front of the media).
    media_public_reads: bool = False
    # Absolute URLs handed to clients start with this when set, else with the request's host.
    public_base_url: str | None = None
    media_s3_bucket: str | None = None
    media_s3_endpoint_url: str | None = None
    media_s3_region: str = "us-east-1"
    media_s3_access_key_id: SecretStr | None = None
    media_s3_secret_access_key: SecretStr | None = None
    # Public reads on S3: objects are read at this base (e.g. a CDN) instead of presigned URLs.
    media_s3_public_base_url: str | None = None
    # Fetching images a worker needs (base images, references): per request, and a size cap.
    media_fetch_timeout_seconds: float = 10.0
    media_fetch_max_bytes: int = DEFAULT_MAX_BYTES
    # Outbound requests to URLs users name (images, integration endpoints) go to public
    # addresses only: on by default in production, off otherwise; set to decide either way.
    environment: Literal["local", "production"] = "local"
    outbound_public_only: bool | None = None

    @property
    def public_only(self) -> bool:
        """Whether user-named URLs must resolve to public addresses (platformkit.outbound)."""
        if self.outbound_public_only is not None:
            return self.outbound_public_only
        return self.environment == "production"

    # The media sweep (shots service): objects nothing names any more (detached media, upload slots
    # never named) are deleted once they have been so this long; how often each replica sweeps
    # (0: never) and how many objects one sweep transaction takes.
    media_sweep_grace_seconds: float = 24 * 3600
    media_sweep_interval_seconds: float = 3600
    media_sweep_batch: int = 200

    @property
    def root(self) -> Path:
        return self.media_root or self.state_dir / "media"

    def signing_key(self) -> bytes:
        if self.media_signing_key is not None:
            return self.media_signing_key.get_secret_value().encode()
        if self.secret_key is not None:
            # A derived key: a leaked media signature never helps forge a JWT, nor the reverse.
            return hmac.new(self.secret_key.get_secret_value().encode(), b"media-signing-v1", hashlib.sha256).digest()
        return _PROCESS_KEY


_PROCESS_KEY = secrets.token_bytes(32)
