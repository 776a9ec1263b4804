"""`python -m services.exports`: the exports service process."""

from platformkit.service import ServiceRuntime
from services.exports.models import messaging
from services.exports.settings import load_settings

if __name__ == "__main__":
    ServiceRuntime(load_settings(), messaging).run()
