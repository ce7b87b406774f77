"""The consent audit is append-only (CASL record keeping), in the admin and in the
database; erasure may only blank its personal links."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from compliance.models import ConsentEvent
from compliance.services import consent_event_record, consent_events_anonymise
from tests.compliance.conftest import IP_HASH, NOW, make_lead

pytestmark = pytest.mark.django_db

PURPOSE = "Send me the monthly product newsletter. You can unsubscribe at any time."


@pytest.fixture
def consent_event(lead):
    return consent_event_record(
        lead_id=lead.pk, status="express", source="form", purpose=PURPOSE, ip_hash=IP_HASH, occurred_at=NOW
    )


def _execute(sql: str, params: list) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_recording_a_consent_change_keeps_method_time_purpose_and_ip_hash(lead):
    consent_event = consent_event_record(
        lead_id=lead.pk, status="implied", source="api", purpose="Inquiry about pricing", ip_hash=IP_HASH,
        occurred_at=NOW,
    )

    stored = ConsentEvent.objects.get(pk=consent_event.pk)
    assert (stored.lead_id, stored.status, stored.source, stored.purpose, stored.occurred_at, stored.ip_hash) == (
        lead.pk,
        "implied",
        "api",
        "Inquiry about pricing",
        NOW,
        IP_HASH,
    )


def test_the_time_defaults_to_now(lead):
    consent_event = consent_event_record(
        lead_id=lead.pk, status="withdrawn", source="unsubscribe_link", purpose="", ip_hash=""
    )

    assert timezone.now() - consent_event.occurred_at < timedelta(seconds=10)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "maybe"},
        {"source": "carrier_pigeon"},
        {"status": "express", "purpose": "  "},
        {"ip_hash": "198.51.100.7"},
    ],
    ids=["unknown status", "unknown source", "express without purpose", "raw ip as ip_hash"],
)
def test_it_refuses_a_consent_event_that_would_prove_nothing(lead, fields):
    arguments = {"status": "implied", "source": "form", "purpose": "Inquiry", "ip_hash": IP_HASH} | fields

    with pytest.raises(ValueError):
        consent_event_record(lead_id=lead.pk, **arguments)

    assert not ConsentEvent.objects.exists()


def test_the_database_refuses_an_express_consent_without_purpose(lead):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentEvent.objects.create(lead=lead, status="express", source="form", purpose="", occurred_at=NOW)


def test_the_database_refuses_to_change_a_consent_event(consent_event):
    with pytest.raises(IntegrityError, match="append-only"):
        _execute("UPDATE compliance_consentevent SET status = 'withdrawn' WHERE id = %s", [consent_event.pk])

    assert ConsentEvent.objects.get(pk=consent_event.pk).status == "express"


def test_the_database_refuses_to_change_the_purpose_through_the_orm(consent_event):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(pk=consent_event.pk).update(purpose="Something else")


def test_the_database_refuses_to_delete_a_consent_event(consent_event):
    with pytest.raises(IntegrityError, match="append-only"):
        _execute("DELETE FROM compliance_consentevent WHERE id = %s", [consent_event.pk])

    assert ConsentEvent.objects.filter(pk=consent_event.pk).exists()


def test_the_database_refuses_to_move_a_consent_event_to_another_lead(consent_event):
    other_lead = make_lead("bob@example.com")

    with pytest.raises(IntegrityError, match="append-only"):
        _execute("UPDATE compliance_consentevent SET lead_id = %s WHERE id = %s", [other_lead.pk, consent_event.pk])


def test_the_database_refuses_to_replace_the_ip_hash(consent_event):
    with pytest.raises(IntegrityError, match="append-only"):
        _execute("UPDATE compliance_consentevent SET ip_hash = %s WHERE id = %s", ["0" * 64, consent_event.pk])


def test_anonymising_blanks_the_personal_links_and_keeps_the_record(lead, consent_event):
    consent_event_record(lead_id=lead.pk, status="withdrawn", source="unsubscribe_api", purpose="", ip_hash=IP_HASH)

    assert consent_events_anonymise(lead_id=lead.pk) == 2

    rows = list(ConsentEvent.objects.order_by("occurred_at").values_list("lead_id", "ip_hash", "status", "purpose"))
    assert rows[0] == (None, "", "express", PURPOSE)
    assert [row[:3] for row in rows] == [(None, "", "express"), (None, "", "withdrawn")]


def test_anonymising_leaves_other_leads_events_alone(lead, consent_event):
    other_lead = make_lead("bob@example.com")
    other = consent_event_record(
        lead_id=other_lead.pk, status="implied", source="api", purpose="Inquiry", ip_hash=IP_HASH
    )

    consent_events_anonymise(lead_id=lead.pk)

    other.refresh_from_db()
    assert (other.lead_id, other.ip_hash) == (other_lead.pk, IP_HASH)


def test_deleting_a_lead_keeps_its_consent_events_without_the_link(lead, consent_event):
    lead.delete()

    consent_event.refresh_from_db()
    assert consent_event.lead_id is None
    assert consent_event.status == "express"
