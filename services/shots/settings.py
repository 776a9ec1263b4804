"""Settings of the shots service (`DATABASE_URL_SHOTS`, `SHOTS_GRPC_BIND`, ...)."""

from platformkit.settings import ServiceSettings, settings_for

ShotsSettings = settings_for("shots")


def load_settings() -> ServiceSettings:
    return ShotsSettings()
