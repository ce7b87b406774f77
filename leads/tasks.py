"""django-q2 task functions for leads; compliance's setup_schedules registers them."""

from django.utils import timezone

from leads.services import consents_expire, visitors_purge_unlinked


def expire_implied_consents() -> int:
    """Daily: implied consents past their 6 months become pending, each audited."""
    return consents_expire()


def purge_unlinked_visitors() -> int:
    """Daily: visitors unseen for EVENT_RETENTION_DAYS and linked to no lead."""
    return visitors_purge_unlinked(now=timezone.now())
