"""django-q2 task functions for compliance; setup_schedules registers them."""

from compliance.services import retention_purge


def purge_raw_data() -> dict[str, int]:
    """The daily retention purge of raw data (events, sessions, raw IPs, rate counters).
    Implied-consent expiry is leads' own daily task (it changes leads.Lead)."""
    return retention_purge()
