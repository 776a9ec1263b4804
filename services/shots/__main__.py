"""`python -m services.shots`: the shots service process."""

from platformkit.service import ServiceRuntime
from services.shots.consumers import consumers
from services.shots.grpc_api import SERVICE_NAMES, add_servicers
from services.shots.media_sweep import periodic_jobs
from services.shots.models import messaging
from services.shots.settings import load_settings

if __name__ == "__main__":
    ServiceRuntime(
        load_settings(),
        messaging,
        grpc_service_names=SERVICE_NAMES,
        add_servicers=add_servicers,
        consumers=consumers,
        periodic=periodic_jobs,
    ).run()
