"""CASL consent rules (SPEC §3, §6): transitions, their audit rows, expiry, re-opt-in."""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone

from compliance.models import ConsentEvent, Suppression
from compliance.services import suppression_add
from leads.models import Lead
from leads.services import consents_expire, implied_consent_expiry
from marketing.hashing import pepper_hash

pytestmark = pytest.mark.django_db

NEWSLETTER = "The monthly newsletter about our products. Unsubscribe at any time."
IP = "198.51.100.23"


def history() -> list[tuple[str, str]]:
    return list(ConsentEvent.objects.order_by("occurred_at").values_list("status", "source"))


def express(capture, email: str = "ann@example.com", purpose: str = NEWSLETTER):
    return capture({"email": email, "consent": {"express": True, "purpose": purpose}}, REMOTE_ADDR=IP)


def inquiry(capture, email: str = "ann@example.com"):
    return capture({"email": email, "consent": {"express": False}}, REMOTE_ADDR=IP)


@pytest.mark.parametrize(
    ("inquiry_at", "expires_at"),
    [
        (datetime(2026, 1, 15, 9, 30), datetime(2026, 7, 15, 9, 30)),
        (datetime(2026, 8, 31, 12, 0), datetime(2027, 2, 28, 12, 0)),
        (datetime(2027, 8, 31, 12, 0), datetime(2028, 2, 29, 12, 0)),
        (datetime(2026, 12, 31, 23, 59), datetime(2027, 6, 30, 23, 59)),
        (datetime(2026, 7, 1, 0, 0), datetime(2027, 1, 1, 0, 0)),
    ],
)
def test_implied_consent_lasts_six_calendar_months(inquiry_at, expires_at):
    assert implied_consent_expiry(inquiry_at.replace(tzinfo=dt_timezone.utc)) == expires_at.replace(tzinfo=dt_timezone.utc)


def test_a_first_inquiry_gives_implied_consent_for_six_months_with_an_audit_row(capture, settings):
    inquiry(capture)

    lead = Lead.objects.get()
    assert lead.consent_status == "implied"
    assert lead.consent_expires_at == implied_consent_expiry(lead.first_captured_at)
    assert lead.consent_source == "api"
    event = ConsentEvent.objects.get()
    assert (event.lead_id, event.status, event.source) == (lead.pk, "implied", "api")
    assert event.purpose == settings.LEAD_CONSENT_PURPOSE
    assert event.ip_hash == pepper_hash(IP)
    assert event.occurred_at == lead.first_captured_at


def test_an_explicit_opt_in_gives_express_consent_without_an_end(capture):
    express(capture)

    lead = Lead.objects.get()
    assert (lead.consent_status, lead.consent_expires_at, lead.consent_purpose) == ("express", None, NEWSLETTER)
    event = ConsentEvent.objects.get()
    assert (event.status, event.source, event.purpose) == ("express", "api", NEWSLETTER)


def test_implied_then_express_writes_two_audit_rows(capture):
    inquiry(capture)
    express(capture)

    assert history() == [("implied", "api"), ("express", "api")]
    assert Lead.objects.get().consent_expires_at is None


def test_a_later_plain_inquiry_never_downgrades_express_consent(capture):
    express(capture)
    inquiry(capture)

    assert Lead.objects.get().consent_status == "express"
    assert history() == [("express", "api")]


def test_the_same_express_opt_in_again_writes_no_new_row_but_a_new_purpose_does(capture):
    express(capture)
    express(capture)
    express(capture, purpose="Event invitations")

    assert history() == [("express", "api"), ("express", "api")]
    assert Lead.objects.get().consent_purpose == "Event invitations"


def test_a_new_inquiry_restarts_the_six_months_of_implied_consent(capture):
    inquiry(capture)
    Lead.objects.update(consent_expires_at=timezone.now() + timedelta(days=10))

    inquiry(capture)

    lead = Lead.objects.get()
    assert lead.consent_expires_at == implied_consent_expiry(lead.last_captured_at)
    assert history() == [("implied", "api")]


def test_a_withdrawn_address_stays_withdrawn_on_a_plain_inquiry(capture, client):
    inquiry(capture)
    client.post("/v1/leads/unsubscribe", data={"email": "ann@example.com"}, content_type="application/json")

    inquiry(capture)

    assert Lead.objects.get().consent_status == "withdrawn"
    assert history() == [("implied", "api"), ("withdrawn", "unsubscribe_api")]


def test_a_new_express_opt_in_after_withdrawal_is_honoured_audited_and_lifts_the_suppression(capture, client):
    inquiry(capture)
    client.post("/v1/leads/unsubscribe", data={"email": "ann@example.com"}, content_type="application/json")
    assert Suppression.objects.count() == 1

    express(capture)

    assert Lead.objects.get().consent_status == "express"
    assert history() == [("implied", "api"), ("withdrawn", "unsubscribe_api"), ("express", "api")]
    assert Suppression.objects.count() == 0


def test_a_suppressed_address_captured_without_express_consent_is_withdrawn_from_the_start(capture):
    suppression_add(email_normalized="ann@example.com", reason="erased")

    inquiry(capture)

    lead = Lead.objects.get()
    assert lead.consent_status == "withdrawn"
    assert history() == [("withdrawn", "api")]
    assert Suppression.objects.count() == 1


def test_a_suppression_added_after_an_express_opt_in_wins_over_a_later_plain_inquiry(capture):
    express(capture)
    suppression_add(email_normalized="ann@example.com", reason="manual")

    inquiry(capture)

    assert Lead.objects.get().consent_status == "withdrawn"
    assert history() == [("express", "api"), ("withdrawn", "api")]


def test_an_express_opt_in_overrides_a_manual_suppression_and_is_audited(capture):
    express(capture)
    suppression_add(email_normalized="ann@example.com", reason="manual")

    express(capture)

    assert Lead.objects.get().consent_status == "express"
    assert history() == [("express", "api"), ("express", "api")]
    assert Suppression.objects.count() == 0


# --- expiry -----------------------------------------------------------------------------


def test_an_implied_consent_past_its_end_becomes_pending_with_an_expired_audit_row(capture):
    inquiry(capture)
    now = timezone.now()
    Lead.objects.update(consent_expires_at=now)

    expired = consents_expire(now=now)

    assert expired == 1
    lead = Lead.objects.get()
    assert (lead.consent_status, lead.consent_expires_at, lead.consent_source) == ("pending", None, "expiry")
    assert history() == [("implied", "api"), ("expired", "expiry")]
    assert ConsentEvent.objects.get(status="expired").occurred_at == now


def test_an_implied_consent_one_second_before_its_end_is_kept(capture):
    inquiry(capture)
    now = timezone.now()
    Lead.objects.update(consent_expires_at=now + timedelta(seconds=1))

    assert consents_expire(now=now) == 0
    assert Lead.objects.get().consent_status == "implied"


def test_express_and_withdrawn_consents_never_expire(capture, client):
    express(capture, email="ann@example.com")
    inquiry(capture, email="bob@example.com")
    client.post("/v1/leads/unsubscribe", data={"email": "bob@example.com"}, content_type="application/json")

    assert consents_expire(now=timezone.now() + timedelta(days=3650)) == 0


def test_expiry_goes_through_a_backlog_in_batches(capture):
    for n in range(5):
        inquiry(capture, email=f"person{n}@example.com")
    now = timezone.now()
    Lead.objects.update(consent_expires_at=now - timedelta(days=1))

    assert consents_expire(now=now, batch_size=2) == 5
    assert ConsentEvent.objects.filter(status="expired").count() == 5
    assert consents_expire(now=now, batch_size=2) == 0


def test_a_dry_run_of_expiry_counts_and_changes_nothing(capture):
    inquiry(capture)
    now = timezone.now()
    Lead.objects.update(consent_expires_at=now - timedelta(days=1))

    assert consents_expire(now=now, dry_run=True) == 1
    assert Lead.objects.get().consent_status == "implied"
    assert ConsentEvent.objects.count() == 1


def test_a_new_inquiry_after_expiry_gives_implied_consent_again(capture):
    inquiry(capture)
    now = timezone.now()
    Lead.objects.update(consent_expires_at=now)
    consents_expire(now=now)

    inquiry(capture)

    assert Lead.objects.get().consent_status == "implied"
    assert history() == [("implied", "api"), ("expired", "expiry"), ("implied", "api")]
