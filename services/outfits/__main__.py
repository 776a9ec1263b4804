"""`python -m services.outfits`: the outfits service process (styling runs in services.outfits.worker)."""

from platformkit.service import ServiceRuntime
from services.outfits.grpc_api import SERVICE_NAMES, add_servicers
from services.outfits.models import messaging
from services.outfits.projection import consumers
from services.outfits.settings import load_settings

if __name__ == "__main__":
    ServiceRuntime(
        load_settings(), messaging, grpc_service_names=SERVICE_NAMES, add_servicers=add_servicers, consumers=consumers
    ).run()
