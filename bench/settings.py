"""Settings for bench/ingest.py: production settings plus the ceiling app and route.

Everything else (DEBUG, secrets, ALLOWED_HOSTS, RATELIMIT_EVENTS, LOG_LEVEL) comes
from the environment exactly as in production; bench/ingest.py sets it.
"""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ceiling"]  # noqa: F405
ROOT_URLCONF = "bench.urls"

# django-ratelimit's own switch, off for `bench/ingest.py --no-rate-limit`: what the
# PostgreSQL counter store costs per request. Production settings never turn it off.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)  # noqa: F405
