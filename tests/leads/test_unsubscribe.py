"""POST /v1/leads/unsubscribe (JSON, form, RFC 8058 one-click) and GET ?token=…"""

import json
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core import signing
from django.core.management import CommandError, call_command

from compliance.models import ConsentEvent, Suppression
from compliance.selectors import is_suppressed
from leads.models import Lead
from leads.services import unsubscribe_token_for, unsubscribe_url_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(capture) -> Lead:
    capture({"email": "ann@example.com", "consent": {"express": True, "purpose": "Newsletter"}})
    return Lead.objects.get()


def unsubscribe_json(client, body):
    return client.post("/v1/leads/unsubscribe", data=json.dumps(body), content_type="application/json")


def unsubscribe_form(client, fields, query: str = ""):
    return client.post(
        f"/v1/leads/unsubscribe{query}", data=urlencode(fields), content_type="application/x-www-form-urlencoded"
    )


def test_unsubscribing_by_email_withdraws_at_once_audits_and_suppresses(client, lead):
    response = unsubscribe_json(client, {"email": " Ann@Example.com "})

    assert response.status_code == 200
    assert response.json() == {"ok": True, "status": "unsubscribed"}
    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"
    assert ConsentEvent.objects.filter(lead=lead, status="withdrawn", source="unsubscribe_api").count() == 1
    assert is_suppressed(email_normalized="ann@example.com")


def test_an_unknown_email_gets_the_same_answer_and_is_suppressed_for_the_future(client):
    response = unsubscribe_json(client, {"email": "stranger@example.com"})

    assert response.json() == {"ok": True, "status": "unsubscribed"}
    assert Lead.objects.count() == 0
    assert is_suppressed(email_normalized="stranger@example.com")


def test_unsubscribing_twice_writes_one_audit_row(client, lead):
    unsubscribe_json(client, {"email": "ann@example.com"})
    unsubscribe_json(client, {"email": "ann@example.com"})

    assert ConsentEvent.objects.filter(status="withdrawn").count() == 1
    assert Suppression.objects.count() == 1


def test_an_invalid_email_is_refused(client):
    response = unsubscribe_json(client, {"email": "nope"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_email"


def test_a_body_with_neither_email_nor_token_is_refused(client):
    response = unsubscribe_json(client, {})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_unsubscribing_by_token_withdraws_the_lead(client, lead):
    response = unsubscribe_json(client, {"token": unsubscribe_token_for(lead_id=lead.pk)})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"
    assert is_suppressed(email_normalized="ann@example.com")


def test_the_token_carries_no_email(lead):
    token = unsubscribe_token_for(lead_id=lead.pk)

    assert "ann" not in token.lower() and "example" not in token.lower()


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "0" * 32 + token[32:],  # another lead id under the old signature
        lambda token: signing.TimestampSigner(salt="some.other.use").sign(token.split(":")[0]),
        lambda token: token.split(":")[0],  # no signature at all
        lambda token: "",
    ],
)
def test_a_forged_token_is_refused_and_changes_nothing(client, lead, forge):
    response = unsubscribe_json(client, {"token": forge(unsubscribe_token_for(lead_id=lead.pk)) or "x"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"
    lead.refresh_from_db()
    assert lead.consent_status == "express"


def test_an_expired_token_is_refused(client, lead, settings, monkeypatch):
    token = unsubscribe_token_for(lead_id=lead.pk)
    settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS = 365
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + timedelta(days=366).total_seconds())

    response = unsubscribe_json(client, {"token": token})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"


def test_a_token_of_an_erased_lead_gets_the_same_answer(client, lead):
    token = unsubscribe_token_for(lead_id=lead.pk)
    call_command("erase_email", "ann@example.com", stdout=StringIO())

    response = unsubscribe_json(client, {"token": token})

    assert response.json() == {"ok": True, "status": "unsubscribed"}


# --- the email link: GET page, its button, RFC 8058 one-click ---------------------------


def test_the_link_shows_a_confirmation_page_that_changes_nothing(client, lead):
    token = unsubscribe_token_for(lead_id=lead.pk)

    response = client.get(f"/v1/leads/unsubscribe?{urlencode({'token': token})}")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post" action="/v1/leads/unsubscribe">' in page
    assert f'value="{token}"' in page
    assert "ann@example.com" not in page
    lead.refresh_from_db()
    assert lead.consent_status == "express"


def test_the_confirmation_button_unsubscribes(client, lead):
    response = unsubscribe_form(client, {"token": unsubscribe_token_for(lead_id=lead.pk)})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"
    assert ConsentEvent.objects.get(status="withdrawn").source == "unsubscribe_link"


def test_a_one_click_post_from_a_mailbox_provider_unsubscribes(client, lead):
    url = unsubscribe_url_for(lead_id=lead.pk)
    query = "?" + urlsplit(url).query

    response = unsubscribe_form(client, {"List-Unsubscribe": "One-Click"}, query=query)

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"
    assert ConsentEvent.objects.get(status="withdrawn").source == "unsubscribe_api"


def test_a_one_click_post_as_multipart_form_data_unsubscribes_too(client, lead):
    query = urlsplit(unsubscribe_url_for(lead_id=lead.pk)).query

    # The test client's default body is multipart/form-data, as RFC 8058 recommends.
    response = client.post(f"/v1/leads/unsubscribe?{query}", data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"


def test_an_invalid_link_shows_a_friendly_page_with_a_by_email_form(client):
    response = client.get("/v1/leads/unsubscribe?token=forged:token")

    assert response.status_code == 400
    page = response.content.decode()
    assert "invalid or has expired" in page
    assert 'name="email"' in page


def test_a_link_without_a_token_shows_the_same_page(client):
    assert client.get("/v1/leads/unsubscribe").status_code == 400


def test_the_by_email_form_of_the_error_page_unsubscribes(client, lead):
    response = unsubscribe_form(client, {"email": "ann@example.com"})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.consent_status == "withdrawn"
    assert ConsentEvent.objects.get(status="withdrawn").source == "form"


def test_by_email_unsubscribes_are_rate_limited_but_token_ones_are_not(client, lead, settings):
    settings.RATELIMIT_UNSUBSCRIBE = "1/m"
    token = unsubscribe_token_for(lead_id=lead.pk)

    by_email = [unsubscribe_json(client, {"email": f"p{n}@example.com"}).status_code for n in range(2)]
    by_token = [unsubscribe_json(client, {"token": token}).status_code for _ in range(3)]

    assert by_email == [200, 429]
    assert by_token == [200, 200, 200]


# --- the URL an email embeds -----------------------------------------------------------


def test_the_command_prints_the_signed_url_for_a_lead(lead):
    out = StringIO()

    call_command("unsubscribe_url", "ANN@example.com", stdout=out)

    url = out.getvalue().strip()
    assert url.startswith("https://api.example-site.ca/v1/leads/unsubscribe?token=")
    assert "ann" not in url
    (token,) = parse_qs(urlsplit(url).query)["token"]
    assert token == unsubscribe_token_for(lead_id=lead.pk)


def test_the_command_refuses_an_unknown_email():
    with pytest.raises(CommandError, match="No lead"):
        call_command("unsubscribe_url", "nobody@example.com", stdout=StringIO())


def test_the_command_needs_a_public_base_url(lead, settings):
    settings.PUBLIC_BASE_URL = ""

    with pytest.raises(CommandError, match="PUBLIC_BASE_URL"):
        call_command("unsubscribe_url", "ann@example.com", stdout=StringIO())
