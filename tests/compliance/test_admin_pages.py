"""The privacy officer's records in the admin: readable by staff, editable by nobody,
invisible to everyone else."""

import pytest
from django.test import Client
from django.utils import timezone

from compliance.models import AbuseLogEntry
from compliance.services import consent_event_record, erasure_receipt_record, suppression_add
from tests.compliance.conftest import IP_HASH

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(lead):
    return {
        "consentevent": consent_event_record(
            lead_id=lead.pk, status="express", source="form", purpose="Monthly newsletter", ip_hash=IP_HASH
        ),
        "erasurereceipt": erasure_receipt_record(
            email_normalized="gone@example.com", erased_by="command", reason="", counts={"leads.Lead": 1}
        ),
        "suppression": suppression_add(email_normalized="gone@example.com", reason="erased"),
        "abuselogentry": AbuseLogEntry.objects.create(
            ip="203.0.113.9", reason="honeypot", path="/v1/leads/capture", created_at=timezone.now()
        ),
    }


@pytest.fixture
def staff_client(client: Client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_superuser("officer", "officer@example.com", "pw"))
    return client


MODELS = ["consentevent", "erasurereceipt", "suppression", "abuselogentry"]


@pytest.mark.parametrize("model", MODELS)
def test_staff_see_the_list_and_each_record(staff_client, records, model):
    assert staff_client.get(f"/admin/compliance/{model}/").status_code == 200
    assert staff_client.get(f"/admin/compliance/{model}/{records[model].pk}/change/").status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_nobody_can_add_or_delete_a_record_in_the_admin(staff_client, records, model):
    assert staff_client.get(f"/admin/compliance/{model}/add/").status_code == 403
    assert staff_client.get(f"/admin/compliance/{model}/{records[model].pk}/delete/").status_code == 403


def test_a_consent_event_cannot_be_edited_in_the_admin(staff_client, records):
    consent_event = records["consentevent"]

    page = staff_client.get(f"/admin/compliance/consentevent/{consent_event.pk}/change/")
    staff_client.post(f"/admin/compliance/consentevent/{consent_event.pk}/change/", {"status": "withdrawn"})

    assert b'name="status"' not in page.content
    consent_event.refresh_from_db()
    assert consent_event.status == "express"


def test_the_consent_list_filters_by_status_source_and_date(staff_client, records):
    page = staff_client.get("/admin/compliance/consentevent/", {"status__exact": "express", "source__exact": "form"})

    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    withdrawn = staff_client.get("/admin/compliance/consentevent/", {"status__exact": "withdrawn"})
    assert withdrawn.context["cl"].result_count == 0


def test_consent_events_are_found_by_the_leads_email(staff_client, records):
    assert staff_client.get("/admin/compliance/consentevent/", {"q": "ada@example"}).context["cl"].result_count == 1
    assert staff_client.get("/admin/compliance/consentevent/", {"q": "bob@example"}).context["cl"].result_count == 0


@pytest.mark.parametrize("model", ["suppression", "erasurereceipt"])
def test_an_erased_address_is_found_by_typing_it_although_only_its_hash_is_stored(staff_client, records, model):
    found = staff_client.get(f"/admin/compliance/{model}/", {"q": "Gone@Example.com"})
    missing = staff_client.get(f"/admin/compliance/{model}/", {"q": "other@example.com"})

    assert found.context["cl"].result_count == 1
    assert missing.context["cl"].result_count == 0
    assert b"gone@example.com" not in found.content.replace(b'value="Gone@Example.com"', b"")


@pytest.mark.parametrize("model", MODELS)
def test_a_signed_in_non_staff_user_is_sent_to_the_login_page(client, django_user_model, records, model):
    client.force_login(django_user_model.objects.create_user("visitor", "v@example.com", "pw"))

    for url in (f"/admin/compliance/{model}/", f"/admin/compliance/{model}/{records[model].pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("model", MODELS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, records, model):
    response = client.get(f"/admin/compliance/{model}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_permission_on_the_records_are_refused(client, django_user_model, records):
    client.force_login(django_user_model.objects.create_user("marketer", "m@example.com", "pw", is_staff=True))

    assert client.get("/admin/compliance/consentevent/").status_code == 403
