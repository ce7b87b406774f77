"""django-q2 task functions for leads; compliance's setup_schedules registers them."""

from leads.services import consents_expire


def expire_implied_consents() -> int:
    """Daily: implied consents past their 6 months become pending, each audited."""
    return consents_expire()
