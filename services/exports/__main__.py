"""`python -m services.exports`: the exports service process (pushes run in services.exports.worker)."""

from platformkit.service import ServiceRuntime
from services.exports.grpc_api import SERVICE_NAMES, add_servicers
from services.exports.models import messaging
from services.exports.settings import load_settings

if __name__ == "__main__":
    ServiceRuntime(load_settings(), messaging, grpc_service_names=SERVICE_NAMES, add_servicers=add_servicers).run()
