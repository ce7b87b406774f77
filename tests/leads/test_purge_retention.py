"""purge_retention: raw data by the retention table, and expired implied consents."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.models import AbuseLogEntry, ConsentEvent
from compliance.services import abuse_log_record
from leads.models import Lead
from tracking.models import Event, Session, Visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def aged_data(beacon, capture):
    now = timezone.now()
    for anon_id, days in (("visitor-89-days", 89), ("visitor-91-days", 91)):
        beacon({"anonId": anon_id, "eventType": "page_view", "path": "/"})
        at = now - timedelta(days=days)
        Event.objects.filter(visitor__anon_id=anon_id).update(occurred_at=at)
        Session.objects.filter(visitor__anon_id=anon_id).update(started_at=at, ended_at=at)
    for ip, days in (("203.0.113.6", 6), ("203.0.113.8", 8)):
        entry = abuse_log_record(ip=ip, reason="lead_honeypot", path="/v1/leads/capture")
        AbuseLogEntry.objects.filter(pk=entry.pk).update(created_at=now - timedelta(days=days))
    capture({"email": "expired@example.com"})
    capture({"email": "current@example.com"})
    Lead.objects.filter(email_normalized="expired@example.com").update(consent_expires_at=now - timedelta(minutes=1))


def test_a_dry_run_counts_and_changes_nothing(aged_data):
    out = StringIO()

    call_command("purge_retention", "--dry-run", stdout=out)

    summary = out.getvalue().strip().splitlines()[-1]
    assert summary.startswith("Would purge 1 tracking.Event, 1 tracking.Session, 1 compliance.AbuseLogEntry")
    assert summary.endswith("would expire 1 implied consent(s).")
    assert Event.objects.count() == 2
    assert AbuseLogEntry.objects.count() == 2
    assert Lead.objects.filter(consent_status="implied").count() == 2


def test_the_purge_keeps_89_day_events_and_6_day_ips_and_audits_the_expired_consent(aged_data):
    out = StringIO()

    call_command("purge_retention", stdout=out)

    assert list(Event.objects.values_list("visitor__anon_id", flat=True)) == ["visitor-89-days"]
    assert list(AbuseLogEntry.objects.values_list("ip", flat=True)) == ["203.0.113.6"]
    assert Lead.objects.get(email_normalized="expired@example.com").consent_status == "pending"
    assert Lead.objects.get(email_normalized="current@example.com").consent_status == "implied"
    expired = ConsentEvent.objects.get(status="expired")
    assert (expired.source, expired.lead.email_normalized) == ("expiry", "expired@example.com")
    lines = out.getvalue().strip().splitlines()
    assert "  leads.Lead (implied consent expired): 1" in lines
    assert lines[-1].startswith("Purged 1 tracking.Event, 1 tracking.Session")


def test_visitors_unseen_past_the_window_and_linked_to_no_lead_are_purged(beacon, capture):
    now = timezone.now()
    for anon_id in ("visitor-89-days", "visitor-91-days", "lead-visitor-91d"):
        beacon({"anonId": anon_id, "eventType": "page_view", "path": "/"})
    capture({"email": "kept@example.com", "anonId": "lead-visitor-91d"})
    for anon_id, days in (("visitor-89-days", 89), ("visitor-91-days", 91), ("lead-visitor-91d", 91)):
        at = now - timedelta(days=days)
        Visitor.objects.filter(anon_id=anon_id).update(first_seen_at=at, last_seen_at=at)
        Event.objects.filter(visitor__anon_id=anon_id).update(occurred_at=at)
        Session.objects.filter(visitor__anon_id=anon_id).update(started_at=at, ended_at=at)
    out = StringIO()

    call_command("purge_retention", stdout=out)

    assert sorted(Visitor.objects.values_list("anon_id", flat=True)) == ["lead-visitor-91d", "visitor-89-days"]
    assert "1 tracking.Visitor" in out.getvalue().strip().splitlines()[-1]
