"""POST /v1/leads/capture for both callers: fetch (JSON) and a form without JavaScript."""

import pytest

from compliance.models import AbuseLogEntry, ConsentEvent
from leads.models import FormSubmission, Lead, LeadIdentity
from tracking.models import Event, IngestRejection, Visitor

from tests.leads.conftest import SITE

pytestmark = pytest.mark.django_db


def test_a_json_capture_stores_the_lead_its_submission_and_answers_captured(capture):
    response = capture(
        {
            "email": "ann@example.com",
            "anonId": "visitor-0001",
            "formName": "contact",
            "fields": {"name": "Ann", "company": "Acme"},
        }
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True, "status": "captured"}
    lead = Lead.objects.get()
    assert lead.email_normalized == "ann@example.com"
    assert lead.email_domain == "example.com"
    assert lead.first_captured_at == lead.last_captured_at
    submission = FormSubmission.objects.get()
    assert submission.lead == lead
    assert submission.form_name == "contact"
    assert submission.payload == {"name": "Ann", "company": "Acme"}
    assert submission.validation_status == "valid"
    assert submission.visitor.anon_id == "visitor-0001"
    assert submission.session is not None


def test_the_answer_is_the_same_for_a_new_and_a_known_email(capture):
    first = capture({"email": "ann@example.com"})
    second = capture({"email": "ann@example.com"})

    assert (first.status_code, first.content) == (second.status_code, second.content)


def test_capturing_the_same_email_twice_keeps_one_lead_and_adds_a_submission(capture):
    capture({"email": "ann@example.com", "anonId": "visitor-0001"})
    capture({"email": " ANN@example.com ", "anonId": "visitor-0001"})

    assert Lead.objects.count() == 1
    assert FormSubmission.objects.count() == 2
    assert LeadIdentity.objects.count() == 1
    assert ConsentEvent.objects.count() == 1  # pending -> implied once; a renewal is no change
    lead = Lead.objects.get()
    assert lead.last_captured_at > lead.first_captured_at


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ann@example.com", "ann@example.com"),
        ("Ann@Example.COM", "ann@example.com"),
        ("  ann@example.com\t\n", "ann@example.com"),
        ("ann+news@example.com", "ann+news@example.com"),
        ("Ann+News@Example.com", "ann+news@example.com"),
        ("ann@Bücher.de", "ann@xn--bcher-kva.de"),
        ("ann@BÜCHER.DE", "ann@xn--bcher-kva.de"),
        ("ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de"),
        ("ann@example.com.", "ann@example.com"),
    ],
)
def test_emails_are_normalised_before_they_are_stored(capture, typed, stored):
    response = capture({"email": typed})

    assert response.status_code == 200
    assert Lead.objects.get().email_normalized == stored


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "ann", "ann@", "@example.com", "ann@localhost", "ann@@example.com", "an n@example.com",
     "ann@exa mple.com", "ännchen@example.com", "a" * 65 + "@example.com", 12345, None, ["ann@example.com"]],
)
def test_an_invalid_email_is_refused_with_invalid_email(capture, typed):
    response = capture({"email": typed})

    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == "invalid_email"
    assert "email" in body["error"]["fields"]
    assert Lead.objects.count() == 0


def test_a_capture_without_an_email_is_an_invalid_email(capture):
    response = capture({"anonId": "visitor-0001"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_email"
    assert Visitor.objects.count() == 0


def test_a_capture_with_an_anon_id_records_one_form_submit_event_in_the_same_visit(capture, beacon):
    beacon({"anonId": "visitor-0001", "eventType": "page_view", "path": "/contact"})

    capture({"email": "ann@example.com", "anonId": "visitor-0001", "path": "/contact"})

    form_submit = Event.objects.get(event_type="form_submit")
    assert form_submit.is_conversion is True
    assert form_submit.path == "/contact"
    assert form_submit.props == {"formName": "default"}
    page_view = Event.objects.get(event_type="page_view")
    assert form_submit.session_id == page_view.session_id == FormSubmission.objects.get().session_id


def test_the_form_submit_event_takes_its_path_from_the_referer_when_the_body_has_none(capture):
    capture({"email": "ann@example.com", "anonId": "visitor-0001"}, HTTP_REFERER=f"{SITE}/pricing?plan=pro")

    assert Event.objects.get().path == "/pricing"


def test_an_event_id_shared_with_the_tracker_stores_the_conversion_once(capture, beacon):
    event_id = "5b0f8a8e-3c1e-4a53-9e43-2b1a4f1f0c11"
    beacon({"anonId": "visitor-0001", "eventType": "form_submit", "path": "/contact", "eventId": event_id})

    capture({"email": "ann@example.com", "anonId": "visitor-0001", "eventId": event_id, "path": "/contact"})

    assert Event.objects.filter(event_type="form_submit").count() == 1


def test_an_unknown_anon_id_creates_its_visitor_with_a_strong_link(capture):
    capture({"email": "ann@example.com", "anonId": "brand-new-visitor"})

    identity = LeadIdentity.objects.get()
    assert identity.visitor.anon_id == "brand-new-visitor"
    assert (identity.link_source, identity.confidence) == ("form_submit", 1.0)


def test_a_capture_without_an_anon_id_stores_no_event_and_no_visitor(capture):
    capture({"email": "ann@example.com"})

    assert Event.objects.count() == 0
    assert Visitor.objects.count() == 0
    assert FormSubmission.objects.get().visitor is None
    assert Lead.objects.get().source_channel == "unknown"


def test_the_source_channel_is_the_first_touch_of_the_visitor(capture, beacon):
    beacon(
        {"anonId": "visitor-0001", "eventType": "page_view", "path": "/", "referrer": "https://www.google.com/"}
    )

    capture({"email": "ann@example.com", "anonId": "visitor-0001"})

    assert Lead.objects.get().source_channel == "organic_search"


def test_a_failed_write_rolls_back_the_whole_capture(capture, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("leads.services.capture.consent_on_capture", broken)

    with pytest.raises(RuntimeError):
        capture({"email": "ann@example.com", "anonId": "visitor-0001"})

    assert (Lead.objects.count(), Event.objects.count(), Visitor.objects.count(), LeadIdentity.objects.count()) == (0, 0, 0, 0)


def test_fields_the_form_does_not_declare_are_dropped(capture, settings):
    settings.LEAD_FORM_FIELDS = {"default": ["name"], "demo": ["name", "company"]}

    capture({"email": "ann@example.com", "formName": "demo", "fields": {"name": "Ann", "company": "Acme", "ssn": "123"}})

    submission = FormSubmission.objects.get()
    assert submission.payload == {"name": "Ann", "company": "Acme"}
    assert submission.validation_status == "filtered"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("anonId", "short"),
        ("anonId", "has space in it"),
        ("formName", "has space"),
        ("consent", {"express": "yes"}),
        ("consent", {"express": 1}),
        ("consent", "yes"),
        ("fields", ["a"]),
        ("utm", {"source": "s" * 256}),
        ("path", "contact"),
        ("eventId", "not-a-uuid"),
    ],
)
def test_a_capture_with_a_bad_field_is_refused_and_nothing_is_stored(capture, field, value):
    response = capture({"email": "ann@example.com", field: value})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert Lead.objects.count() == 0


def test_a_body_that_is_not_json_is_refused(client):
    response = client.post("/v1/leads/capture", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_body"


def test_the_endpoint_allows_cors_from_the_site_and_needs_no_csrf_token(client):
    client = client.__class__(enforce_csrf_checks=True)

    response = client.post(
        "/v1/leads/capture", data='{"email": "ann@example.com"}', content_type="application/json", HTTP_ORIGIN=SITE
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE


# --- honeypot, rate limit -------------------------------------------------------------


def test_a_filled_honeypot_gets_the_same_answer_stores_nothing_and_is_counted(capture):
    response = capture({"email": "bot@example.com", "anonId": "visitor-0001", "website": "http://spam.example"})

    assert response.status_code == 200
    assert response.json() == {"ok": True, "status": "captured"}
    assert (Lead.objects.count(), Visitor.objects.count(), Event.objects.count()) == (0, 0, 0)
    assert IngestRejection.objects.get().reason == "lead_honeypot"
    assert IngestRejection.objects.get().count == 1
    assert AbuseLogEntry.objects.get().reason == "lead_honeypot"


def test_a_filled_honeypot_on_the_form_redirects_like_a_success(capture_form):
    response = capture_form({"email": "bot@example.com", "website": "x", "next": f"{SITE}/contact"})

    assert response.status_code == 303
    assert response["Location"] == f"{SITE}/contact?lead=ok"
    assert Lead.objects.count() == 0


def test_captures_past_the_per_ip_rate_limit_get_429_with_retry_after(capture, settings):
    settings.RATELIMIT_LEADS = "2/m"

    answers = [capture({"email": f"person{n}@example.com"}, REMOTE_ADDR="198.51.100.7").status_code for n in range(3)]
    other_ip = capture({"email": "other@example.com"}, REMOTE_ADDR="198.51.100.8")

    assert answers == [200, 200, 429]
    assert other_ip.status_code == 200
    assert Lead.objects.count() == 3


def test_the_rate_limited_answer_has_the_error_shape_and_retry_after(capture, settings):
    settings.RATELIMIT_LEADS = "1/m"
    capture({"email": "ann@example.com"})

    response = capture({"email": "ann@example.com"})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


# --- the no-JS form -----------------------------------------------------------------


def test_a_form_post_with_an_allowed_next_redirects_there_with_lead_ok(capture_form):
    response = capture_form({"email": "Ann@Example.com", "form_name": "contact", "next": f"{SITE}/contact?from=ad#form"})

    assert response.status_code == 303
    assert response["Location"] == f"{SITE}/contact?from=ad&lead=ok#form"
    assert Lead.objects.get().email_normalized == "ann@example.com"
    assert FormSubmission.objects.get().form_name == "contact"


def test_a_form_post_with_an_invalid_email_redirects_with_the_reason(capture_form):
    response = capture_form({"email": "not-an-email", "next": f"{SITE}/contact?lead=ok"})

    assert response.status_code == 303
    assert response["Location"] == f"{SITE}/contact?lead=error&reason=invalid_email"


def test_a_form_post_without_next_gets_a_thank_you_page_with_the_purpose_and_contact(capture_form, settings):
    settings.PRIVACY_CONTACT_EMAIL = "privacy@example-site.ca"

    response = capture_form({"email": "ann@example.com"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Thank you" in page
    assert "privacy@example-site.ca" in page
    assert settings.LEAD_CONSENT_PURPOSE in page


def test_a_form_post_with_an_invalid_email_and_no_next_gets_an_error_page(capture_form):
    response = capture_form({"email": "nope"})

    assert response.status_code == 400
    assert "does not look right" in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.com/phish",
        "https://evil.com/",
        "http://www.example-site.ca/contact",  # the site is https-only
        "https://www.example-site.ca.evil.com/",
        "https://evil.com@www.example-site.ca/",
        "https://www.example-site.ca@evil.com/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.domain)",
        "data:text/html,<script>alert(1)</script>",
        "/contact",
        "contact",
        "\\\\evil.com",
        "https:\\\\evil.com",
        "https://www.example-site.ca:8443/",
        " https://evil.com",
        "https://evil.com\n.www.example-site.ca",
    ],
)
def test_a_next_off_the_site_is_ignored_and_the_thank_you_page_shown(capture_form, next_url):
    response = capture_form({"email": "ann@example.com", "next": next_url})

    assert response.status_code == 200
    assert "Location" not in response
    assert Lead.objects.count() == 1


def test_a_next_on_an_allowed_host_over_https_is_followed(capture_form, settings):
    settings.ALLOWED_HOSTS = ["api.example-site.ca", ".example-site.ca", "*"]

    response = capture_form({"email": "ann@example.com", "next": "https://blog.example-site.ca/thanks"})

    assert response.status_code == 303
    assert response["Location"] == "https://blog.example-site.ca/thanks?lead=ok"


def test_a_ticked_consent_checkbox_is_express_consent(capture_form):
    capture_form({"email": "ann@example.com", "consent": "on", "purpose": "Monthly newsletter"})

    lead = Lead.objects.get()
    assert lead.consent_status == "express"
    assert lead.consent_purpose == "Monthly newsletter"
    assert ConsentEvent.objects.get().source == "form"


def test_a_form_without_the_checkbox_is_implied_consent(capture_form):
    capture_form({"email": "ann@example.com"})

    assert Lead.objects.get().consent_status == "implied"


def test_extra_declared_fields_of_a_form_post_are_kept_and_controls_are_not(capture_form):
    capture_form({"email": "ann@example.com", "name": "Ann", "next": f"{SITE}/", "colour": "blue", "website": ""})

    submission = FormSubmission.objects.get()
    assert submission.payload == {"name": "Ann"}
    assert submission.validation_status == "filtered"


def test_a_form_post_with_a_malformed_anon_id_is_captured_without_the_link(capture_form):
    response = capture_form({"email": "ann@example.com", "anon_id": "bad id!", "next": f"{SITE}/"})

    assert response["Location"] == f"{SITE}/?lead=ok"
    assert LeadIdentity.objects.count() == 0


def test_a_rate_limited_form_post_redirects_with_reason_rate_limited(capture_form, settings):
    settings.RATELIMIT_LEADS = "1/m"
    capture_form({"email": "ann@example.com"})

    response = capture_form({"email": "ann@example.com", "next": f"{SITE}/contact"})

    assert response.status_code == 303
    assert response["Location"] == f"{SITE}/contact?lead=error&reason=rate_limited"


def test_openapi_describes_the_lead_endpoints(client):
    paths = client.get("/v1/openapi.json").json()["paths"]

    assert "post" in paths["/v1/leads/capture"]
    assert {"get", "post"} <= set(paths["/v1/leads/unsubscribe"])
