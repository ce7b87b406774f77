"""Raw data past its retention is deleted in bounded batches (SPEC §4, §5):
events and sessions after EVENT_RETENTION_DAYS (90), raw IPs after
RAW_IP_RETENTION_DAYS (7), expired rate-limit counters."""

from datetime import timedelta

import pytest
from model_bakery import baker

from compliance.models import AbuseLogEntry
from compliance.services import retention_purge
from marketing.models import RateCounter
from tests.compliance.conftest import NOW, make_lead, visit_at
from tracking.models import Event, Session, Visitor

pytestmark = pytest.mark.django_db

NOTHING = {"tracking.Event": 0, "tracking.Session": 0, "compliance.AbuseLogEntry": 0, "marketing.RateCounter": 0}


def _abuse_entry(days_ago: int, ip: str = "203.0.113.9") -> AbuseLogEntry:
    return AbuseLogEntry.objects.create(ip=ip, reason="honeypot", path="/", created_at=NOW - timedelta(days=days_ago))


def test_an_event_of_89_days_is_kept_and_one_of_91_days_is_deleted():
    kept = visit_at(NOW - timedelta(days=89), path="/kept")
    visit_at(NOW - timedelta(days=91), path="/old")

    counts = retention_purge(now=NOW)

    assert counts == NOTHING | {"tracking.Event": 1, "tracking.Session": 1}
    assert list(Event.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(Session.objects.values_list("pk", flat=True)) == [kept.session_id]


def test_the_event_window_follows_event_retention_days(settings):
    settings.EVENT_RETENTION_DAYS = 30
    visit_at(NOW - timedelta(days=29))
    visit_at(NOW - timedelta(days=31))

    assert retention_purge(now=NOW)["tracking.Event"] == 1


def test_the_visitor_outlives_its_purged_events():
    # Visitors may be linked to leads (identity) and are removed by erasure, not by age.
    visit_at(NOW - timedelta(days=120))

    retention_purge(now=NOW)

    assert Visitor.objects.count() == 1
    assert not Session.objects.exists()


def test_a_session_with_an_event_inside_the_window_is_kept():
    old = visit_at(NOW - timedelta(days=91))
    Event.objects.create(
        visitor_id=old.visitor_id, session_id=old.session_id, event_type="engagement", path="/",
        occurred_at=NOW - timedelta(days=89), ip_hash=old.ip_hash, ua_hash=old.ua_hash,
        traffic_source="direct", device_type="desktop",
    )
    # The session ran across the cutoff: its last activity is inside the window.
    Session.objects.filter(pk=old.session_id).update(ended_at=NOW - timedelta(days=89))

    counts = retention_purge(now=NOW)

    assert counts["tracking.Event"] == 1
    assert counts["tracking.Session"] == 0
    assert Session.objects.filter(pk=old.session_id).exists()


def test_a_purged_session_is_unlinked_from_the_form_submission_that_points_at_it():
    old = visit_at(NOW - timedelta(days=91))
    submission = baker.make(
        "leads.FormSubmission", lead=make_lead(), visitor_id=old.visitor_id, session_id=old.session_id,
        submitted_at=old.occurred_at, payload={},
    )

    retention_purge(now=NOW)

    submission.refresh_from_db()
    assert submission.session_id is None
    assert submission.visitor_id == old.visitor_id


def test_a_raw_ip_of_6_days_is_kept_and_one_of_8_days_is_deleted():
    kept = _abuse_entry(6, ip="203.0.113.6")
    _abuse_entry(8, ip="203.0.113.8")

    counts = retention_purge(now=NOW)

    assert counts == NOTHING | {"compliance.AbuseLogEntry": 1}
    assert list(AbuseLogEntry.objects.values_list("pk", flat=True)) == [kept.pk]


def test_switching_raw_ips_off_purges_the_ones_already_kept(settings):
    _abuse_entry(0)
    settings.RAW_IP_RETENTION_DAYS = 0

    assert retention_purge(now=NOW + timedelta(seconds=1))["compliance.AbuseLogEntry"] == 1
    assert not AbuseLogEntry.objects.exists()


def test_expired_rate_limit_counters_are_deleted_and_live_ones_kept():
    RateCounter.objects.create(key="expired", value=3, expires_at=NOW - timedelta(seconds=1))
    RateCounter.objects.create(key="live", value=3, expires_at=NOW + timedelta(seconds=30))

    assert retention_purge(now=NOW)["marketing.RateCounter"] == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["live"]


def test_a_large_purge_runs_in_batches_and_reports_progress():
    for day in range(5):
        visit_at(NOW - timedelta(days=100 + day), anon_id=f"visitor-000{day}")
    reports = []

    counts = retention_purge(now=NOW, batch_size=2, progress=lambda label, n: reports.append((label, n)))

    assert counts == NOTHING | {"tracking.Event": 5, "tracking.Session": 5}
    assert [n for label, n in reports if label == "tracking.Event"] == [2, 4, 5]
    assert [n for label, n in reports if label == "tracking.Session"] == [2, 4, 5]
    assert not Event.objects.exists()


def test_a_purge_of_exactly_one_batch_stops_after_an_empty_batch():
    for day in range(2):
        visit_at(NOW - timedelta(days=100 + day), anon_id=f"visitor-000{day}")
    reports = []

    retention_purge(now=NOW, batch_size=2, progress=lambda label, n: reports.append((label, n)))

    assert [n for label, n in reports if label == "tracking.Event"] == [2, 2]


def test_a_dry_run_counts_what_would_go_and_deletes_nothing():
    for day in range(3):
        visit_at(NOW - timedelta(days=91 + day), anon_id=f"visitor-000{day}")
    visit_at(NOW - timedelta(days=10), anon_id="visitor-recent")
    _abuse_entry(8)
    _abuse_entry(9)
    RateCounter.objects.create(key="expired", value=1, expires_at=NOW - timedelta(minutes=1))

    dry = retention_purge(now=NOW, dry_run=True, batch_size=2)

    expected = {"tracking.Event": 3, "tracking.Session": 3, "compliance.AbuseLogEntry": 2, "marketing.RateCounter": 1}
    assert dry == expected
    assert (Event.objects.count(), Session.objects.count(), AbuseLogEntry.objects.count()) == (4, 4, 2)
    assert RateCounter.objects.count() == 1
    assert retention_purge(now=NOW, batch_size=2) == expected


def test_a_second_purge_finds_nothing_left():
    visit_at(NOW - timedelta(days=91))
    _abuse_entry(8)
    retention_purge(now=NOW)

    assert retention_purge(now=NOW) == NOTHING
