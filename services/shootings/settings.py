"""Settings of the shootings service (`DATABASE_URL_SHOOTINGS`, `SHOOTINGS_GRPC_BIND`, ...)."""

from platformkit.settings import ServiceSettings, settings_for

ShootingsSettings = settings_for("shootings")


def load_settings() -> ServiceSettings:
    return ShootingsSettings()
