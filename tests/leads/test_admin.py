"""The back office for leads: pages for staff, refused to others; erasure; login throttle."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from compliance.models import ConsentEvent, ErasureReceipt
from leads.models import Lead
from tracking.models import Event, Session, Visitor

from tests.leads.conftest import CHROME_UA

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = User.objects.create_superuser("officer", "officer@example.org", "pw-officer-1")
    client.force_login(user)
    return user


@pytest.fixture
def marketer(client):
    """Staff who may look at leads, but not erase them."""
    user = User.objects.create_user("marketer", password="pw-marketer-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(user)
    return user


@pytest.fixture
def lead(beacon, capture) -> Lead:
    """Ann found us through a Google Ads campaign, read two pages, then wrote to us."""
    beacon(
        {
            "anonId": "ann-laptop",
            "eventType": "page_view",
            "path": "/landing",
            "referrer": "https://www.google.com/",
            "utm": {"source": "google", "medium": "cpc", "campaign": "spring"},
        },
        HTTP_USER_AGENT=CHROME_UA,
    )
    beacon({"anonId": "ann-laptop", "eventType": "page_view", "path": "/pricing"}, HTTP_USER_AGENT=CHROME_UA)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Visitor.objects.update(first_seen_at=two_hours_ago, last_seen_at=two_hours_ago)
    Session.objects.update(started_at=two_hours_ago)
    Event.objects.filter(path="/landing").update(occurred_at=two_hours_ago)
    Event.objects.filter(path="/pricing").update(occurred_at=two_hours_ago + timedelta(minutes=5))
    capture(
        {
            "email": "ann@example.com",
            "anonId": "ann-laptop",
            "formName": "contact",
            "fields": {"company": "Acme"},
            "consent": {"express": True, "purpose": "The monthly newsletter"},
        }
    )
    return Lead.objects.get()


def test_the_lead_list_searches_by_email_and_by_domain_and_filters(client, officer, lead, capture):
    capture({"email": "bob@other.org"})

    by_email = client.get("/admin/leads/lead/?q=ann@")
    by_domain = client.get("/admin/leads/lead/?q=other.org")
    by_status = client.get("/admin/leads/lead/?consent_status__exact=express")
    by_channel = client.get("/admin/leads/lead/?source_channel__exact=paid_search")

    assert by_email.status_code == 200
    assert "ann@example.com" in by_email.content.decode() and "bob@other.org" not in by_email.content.decode()
    assert "bob@other.org" in by_domain.content.decode() and "ann@example.com" not in by_domain.content.decode()
    assert "ann@example.com" in by_status.content.decode() and "bob@other.org" not in by_status.content.decode()
    assert "ann@example.com" in by_channel.content.decode() and "bob@other.org" not in by_channel.content.decode()


def test_the_lead_page_shows_identities_submissions_consent_history_and_journey(client, officer, lead):
    response = client.get(f"/admin/leads/lead/{lead.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "ann-laptop" in page and "form_submit" in page  # identity
    assert "contact" in page and "Acme" in page  # submission
    assert "The monthly newsletter" in page and "JSON API (fetch)" in page  # consent history
    assert "paid_search" in page and "/landing" in page and "campaign=spring" in page  # first touch
    assert "/pricing" in page  # pages before capture
    assert "2\xa0hours" in page or "1\xa0hour, 5" in page  # about two hours from first visit to capture
    assert "/v1/leads/unsubscribe?token=" in page


def test_personal_data_cannot_be_edited_added_or_deleted_in_the_admin(client, officer, lead):
    assert client.get("/admin/leads/lead/add/").status_code == 403
    assert client.get(f"/admin/leads/lead/{lead.pk}/delete/").status_code == 403
    client.post(f"/admin/leads/lead/{lead.pk}/change/", {"email_normalized": "mallory@example.com"})
    lead.refresh_from_db()
    assert lead.email_normalized == "ann@example.com"


def test_a_staff_member_with_view_permission_sees_leads_but_not_the_erasure_page(client, marketer, lead):
    assert client.get("/admin/leads/lead/").status_code == 200
    assert client.get(f"/admin/leads/lead/{lead.pk}/change/").status_code == 200
    assert client.get("/admin/leads/lead/erase/").status_code == 403


def test_people_who_are_not_staff_are_sent_to_the_login(client, lead):
    User.objects.create_user("visitor", password="pw-visitor-1")
    client.login(username="visitor", password="pw-visitor-1")

    for url in ("/admin/leads/lead/", f"/admin/leads/lead/{lead.pk}/change/", "/admin/leads/lead/erase/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_lead_permissions_are_refused(client, lead):
    user = User.objects.create_user("intern", password="pw-intern-1", is_staff=True)
    client.force_login(user)

    assert client.get("/admin/leads/lead/").status_code == 403


def test_the_privacy_officer_previews_confirms_and_gets_a_receipt(client, officer, lead):
    form = client.get("/admin/leads/lead/erase/")
    assert form.status_code == 200

    preview = client.post("/admin/leads/lead/erase/", {"email": " ANN@example.com ", "reason": "ticket 7", "step": "preview"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "tracking.Event" in page and "Yes, erase this address" in page
    assert Lead.objects.exists()  # nothing happened yet

    confirmed = client.post("/admin/leads/lead/erase/", {"email": "ann@example.com", "reason": "ticket 7", "step": "confirm"})
    receipt = ErasureReceipt.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/admin/leads/lead/erase/receipt/{receipt.pk}/"
    assert not Lead.objects.exists() and not Visitor.objects.exists()
    assert receipt.erased_by == "officer" and receipt.reason == "ticket 7"

    shown = client.get(confirmed["Location"])
    assert shown.status_code == 200
    assert receipt.email_hash in shown.content.decode()
    assert "ann@example.com" not in shown.content.decode()


def test_the_erasure_form_refuses_an_invalid_address(client, officer):
    response = client.post("/admin/leads/lead/erase/", {"email": "nope", "step": "preview"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_the_export_action_downloads_the_mailable_leads_as_csv(client, officer, lead, capture):
    capture({"email": "pending@example.com"})
    Lead.objects.filter(email_normalized="pending@example.com").update(consent_status="pending", consent_expires_at=None)

    response = client.post(
        "/admin/leads/lead/",
        {"action": "export_mailable_csv", "_selected_action": [str(pk) for pk in Lead.objects.values_list("pk", flat=True)]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(StringIO(response.content.decode())))
    assert [row[0] for row in rows] == ["email", "ann@example.com"]


def test_the_unsubscribe_url_action_shows_the_signed_link(client, officer, lead):
    response = client.post(
        "/admin/leads/lead/", {"action": "show_unsubscribe_urls", "_selected_action": [str(lead.pk)]}, follow=True
    )

    assert "https://api.example-site.ca/v1/leads/unsubscribe?token=" in response.content.decode()


def test_the_withdraw_action_withdraws_with_an_admin_audit_row(client, officer, lead):
    client.post("/admin/leads/lead/", {"action": "withdraw_consent", "_selected_action": [str(lead.pk)]})

    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"
    assert ConsentEvent.objects.filter(lead=lead, status="withdrawn", source="admin").count() == 1


def test_the_admin_login_is_throttled_per_ip_after_five_attempts(client, settings):
    settings.RATELIMIT_ADMIN_LOGIN = "5/m"
    User.objects.create_superuser("officer", "officer@example.org", "right-password-1")

    attempts = [
        client.post("/admin/login/", {"username": "officer", "password": f"guess-{n}"}, REMOTE_ADDR="192.0.2.9")
        for n in range(6)
    ]

    assert [response.status_code for response in attempts] == [200, 200, 200, 200, 200, 429]
    assert int(attempts[-1]["Retry-After"]) >= 1
    assert "Too many login attempts" in attempts[-1].content.decode()
    # Even the right password waits; another IP is not affected.
    assert client.post("/admin/login/", {"username": "officer", "password": "right-password-1"}, REMOTE_ADDR="192.0.2.9").status_code == 429
    other = client.post("/admin/login/", {"username": "officer", "password": "right-password-1"}, REMOTE_ADDR="192.0.2.10")
    assert other.status_code == 302


def test_the_login_page_itself_is_not_counted(client, settings):
    settings.RATELIMIT_ADMIN_LOGIN = "1/m"

    assert [client.get("/admin/login/").status_code for _ in range(3)] == [200, 200, 200]
