"""Settings of the exports service (`DATABASE_URL_EXPORTS`, `EXPORTS_GRPC_BIND`, ...)."""

from platformkit.settings import ServiceSettings, settings_for

ExportsSettings = settings_for("exports")


def load_settings() -> ServiceSettings:
    return ExportsSettings()
