"""`python -m services.outfits.worker`: a styling worker (consumer group `styling-workers` on
`styling.requests`). Start several: the work queue's partitions spread over them.

It is the outfits service's runtime without the OutfitsService API: its gRPC server only answers
health checks, on a port of its own choosing (loopback), so workers never collide with the
service or with each other.
"""

from platformkit.service import ServiceRuntime
from services.outfits.models import messaging
from services.outfits.settings import OutfitsSettings
from services.outfits.styling import consumers

if __name__ == "__main__":
    settings = OutfitsSettings(grpc_bind="127.0.0.1:0")
    ServiceRuntime(settings, messaging, consumers=consumers, process_name="styling-worker").run()
