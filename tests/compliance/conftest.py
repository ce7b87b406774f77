from datetime import UTC, datetime

import pytest
from model_bakery import baker

from marketing.hashing import pepper_hash
from tracking.models import Event, Session, Visitor

IP_HASH = pepper_hash("198.51.100.7")
UA_HASH = pepper_hash("Mozilla/5.0")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def visit_at(at: datetime, *, anon_id: str = "visitor-0001", path: str = "/") -> Event:
    """One visit: a visitor (created once), a session of one page_view at `at`."""
    visitor, _ = Visitor.objects.get_or_create(
        anon_id=anon_id,
        defaults={
            "first_seen_at": at,
            "last_seen_at": at,
            "first_ip_hash": IP_HASH,
            "last_ip_hash": IP_HASH,
            "first_ua_hash": UA_HASH,
            "last_ua_hash": UA_HASH,
        },
    )
    session = Session.objects.create(
        visitor=visitor, started_at=at, ended_at=at, landing_path=path, traffic_source="direct", has_page_view=True
    )
    return Event.objects.create(
        visitor=visitor,
        session=session,
        event_type="page_view",
        path=path,
        occurred_at=at,
        ip_hash=IP_HASH,
        ua_hash=UA_HASH,
        traffic_source="direct",
        device_type="desktop",
        is_entrance=True,
    )


def make_lead(email: str = "ada@example.com"):
    # By label, the way compliance refers to leads: no import of the app above.
    return baker.make(
        "leads.Lead",
        email_normalized=email,
        email_domain=email.split("@")[1],
        email_hash=pepper_hash(email),
        consent_status="pending",
        consent_expires_at=None,
        first_captured_at=NOW,
        last_captured_at=NOW,
    )


@pytest.fixture
def lead():
    return make_lead()
