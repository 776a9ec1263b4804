"""`python -m services.shootings`: the shootings service process."""

from platformkit.service import ServiceRuntime
from services.shootings.consumers import consumers
from services.shootings.grpc_api import SERVICE_NAMES, add_servicers
from services.shootings.models import messaging
from services.shootings.settings import load_settings

if __name__ == "__main__":
    ServiceRuntime(
        load_settings(), messaging, grpc_service_names=SERVICE_NAMES, add_servicers=add_servicers, consumers=consumers
    ).run()
