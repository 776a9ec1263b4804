"""Settings of the shots service (`DATABASE_URL_SHOTS`, `SHOTS_GRPC_BIND`, ...)."""

from pydantic import Field

from platformkit.settings import ServiceSettings, settings_for
from services.shots.domain.quotas import Limits


class ShotsBase(ServiceSettings):
    # Images of generation each organization (or user, for personal shootings) may start per hour
    # and per day, unless an admin set the organization's own (services.shots.domain.quotas).
    generation_quota_per_hour: int = Field(default=2000, ge=0)
    generation_quota_per_day: int = Field(default=20000, ge=0)

    @property
    def generation_quota(self) -> Limits:
        return Limits(per_hour=self.generation_quota_per_hour, per_day=self.generation_quota_per_day)


ShotsSettings = settings_for("shots", ShotsBase)


def load_settings() -> ServiceSettings:
    return ShotsSettings()
