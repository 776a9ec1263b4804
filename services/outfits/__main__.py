"""`python -m services.outfits`: the outfits service process."""

from platformkit.service import ServiceRuntime
from services.outfits.models import messaging
from services.outfits.settings import load_settings

if __name__ == "__main__":
    ServiceRuntime(load_settings(), messaging).run()
