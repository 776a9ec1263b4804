"""Settings of the outfits service (`DATABASE_URL_OUTFITS`, `OUTFITS_GRPC_BIND`, ...)."""

from platformkit.settings import ServiceSettings, settings_for

OutfitsSettings = settings_for("outfits")


def load_settings() -> ServiceSettings:
    return OutfitsSettings()
