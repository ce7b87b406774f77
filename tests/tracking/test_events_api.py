import json
import uuid

import pytest

from tests.conftest import page_view
from tracking.models import Event, IngestRejection, Session, Visitor

pytestmark = pytest.mark.django_db


def test_it_stores_a_beacon_page_view_with_its_derived_columns(beacon):
    response = beacon(
        page_view(
            path="/pricing",
            referrer="https://www.google.com/search?q=crm",
            props={"lcpMs": 1200, "plan": "pro"},
            timestamp="2026-11-25T10:00:00Z",
        ),
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    )

    assert response.status_code == 202
    assert response.json() == {"ok": True, "accepted": 1, "rejected": 0}
    event = Event.objects.get()
    assert event.event_type == "page_view"
    assert event.path == "/pricing"
    assert event.traffic_source == "organic_search"
    assert event.device_type == "desktop"
    assert event.is_entrance is True
    assert event.is_conversion is False
    assert event.props == {"lcpMs": 1200, "plan": "pro"}
    assert event.client_ts.isoformat() == "2026-11-25T10:00:00+00:00"
    assert len(event.ip_hash) == 64 and len(event.ua_hash) == 64
    assert event.property_id == "default"
    assert event.visitor.anon_id == "visitor-0001"
    assert event.session.landing_path == "/pricing"


def test_it_accepts_application_json_too(client):
    response = client.post("/v1/events", data=json.dumps(page_view()), content_type="application/json")

    assert response.status_code == 202
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("anonId", None),
        ("anonId", "short"),
        ("anonId", "x" * 65),
        ("anonId", "has space in it"),
        ("anonId", 12345678),
        ("eventType", None),
        ("eventType", "PageView"),
        ("eventType", "a" * 65),
        ("path", None),
        ("path", "pricing"),
        ("path", "/" + "p" * 2048),
        ("eventId", "not-a-uuid"),
        ("timestamp", "yesterday"),
        ("referrer", "not a url"),
        ("utm", "google"),
        ("utm", {"source": "s" * 256}),
        ("propertyId", "has space"),
        ("props", ["a", "list"]),
        ("props", {"lcpMs": -1}),
        ("props", {"clsScore": "0.1"}),
        ("props", {"engagedTimeMs": True}),
        ("props", {"blob": "x" * 5000}),
    ],
)
def test_it_rejects_an_event_with_a_missing_or_bad_field(beacon, field, value):
    event = page_view()
    if value is None:
        event.pop(field, None)
    else:
        event[field] = value

    response = beacon(event)

    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == "invalid_event"
    assert field in body["error"]["fields"]
    assert Event.objects.count() == 0


def test_it_counts_rejected_events_per_day_and_reason(beacon):
    beacon(page_view(anon_id="bad"))
    beacon({"events": [page_view(anon_id="bad"), page_view(path="nope")]})

    counts = {row.reason: row.count for row in IngestRejection.objects.all()}
    assert counts == {"invalid_anonId": 2, "invalid_path": 1}


def test_a_batch_stores_its_valid_events_and_reports_the_rest(beacon):
    response = beacon(
        {
            "events": [
                page_view(path="/a"),
                page_view(path="missing-slash"),
                {"anonId": "visitor-0001", "eventType": "cta_click", "path": "/a", "props": {"label": "Buy"}},
                "not an object",
            ]
        }
    )

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert [error["index"] for error in body["errors"]] == [1, 3]
    assert "path" in body["errors"][0]["fields"]
    assert sorted(Event.objects.values_list("event_type", flat=True)) == ["cta_click", "page_view"]


def test_it_refuses_a_batch_over_fifty_events(beacon):
    response = beacon({"events": [page_view() for _ in range(51)]})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "batch_too_large"
    assert Event.objects.count() == 0


@pytest.mark.parametrize("body", ["", "[]", "{}", '"text"', "42", '{"events": []}', '{"events": "x"}'])
def test_it_answers_400_to_a_body_that_is_not_an_event(beacon, body):
    response = beacon(body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_an_event"


def test_it_answers_400_to_malformed_json(beacon):
    response = beacon('{"anonId": "visitor-0001",')

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": {"code": "malformed_body", "message": "Body is not valid JSON.", "fields": {}},
    }


def test_it_answers_415_to_a_form_content_type(client):
    response = client.post("/v1/events", data="anonId=visitor-0001", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_it_answers_413_to_a_body_over_64_kib(beacon):
    event = page_view(props={"filler": "x" * (64 * 1024)})

    response = beacon(event)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Event.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_answers_405_to_other_methods(client, method):
    response = getattr(client, method)("/v1/events")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_retried_beacon_is_stored_once(beacon):
    event = page_view(eventId=str(uuid.uuid4()))

    first = beacon(event)
    retry = beacon(event)

    assert first.status_code == retry.status_code == 202
    assert retry.json()["accepted"] == 1
    assert Event.objects.count() == 1


def test_the_same_event_id_from_two_visitors_is_two_events(beacon):
    event_id = str(uuid.uuid4())

    beacon(page_view(anon_id="visitor-0001", eventId=event_id))
    beacon(page_view(anon_id="visitor-0002", eventId=event_id))

    assert Event.objects.count() == 2


def test_a_batch_of_one_visitor_makes_one_visitor_and_one_session(beacon):
    beacon({"events": [page_view(path=f"/p{i}") for i in range(20)]})

    assert Visitor.objects.count() == 1
    assert Session.objects.count() == 1
    assert Event.objects.filter(is_entrance=True).count() == 1


def test_form_submit_is_a_conversion(beacon):
    beacon({"anonId": "visitor-0001", "eventType": "form_submit", "path": "/signup"})

    assert Event.objects.get().is_conversion is True


def test_a_custom_event_name_is_accepted(beacon):
    response = beacon({"anonId": "visitor-0001", "eventType": "face_pose_tilt", "path": "/demo"})

    assert response.status_code == 202
    assert Event.objects.get().event_type == "face_pose_tilt"


def test_it_answers_429_with_retry_after_past_the_rate_limit(beacon, settings):
    settings.RATELIMIT_EVENTS = "2/m"

    statuses = [beacon(page_view()).status_code for _ in range(3)]

    assert statuses == [202, 202, 429]
    limited = beacon(page_view())
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60


def test_it_allows_cors_from_configured_origins_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.com"]
    preflight_headers = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}

    allowed = client.options("/v1/events", HTTP_ORIGIN="https://www.example.com", **preflight_headers)
    other = client.options("/v1/events", HTTP_ORIGIN="https://evil.example.net", **preflight_headers)

    assert allowed["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "Access-Control-Allow-Origin" not in other


def test_it_needs_no_csrf_token(beacon):
    from django.test import Client

    strict_client = Client(enforce_csrf_checks=True)

    response = strict_client.post("/v1/events", data=json.dumps(page_view()), content_type="text/plain")

    assert response.status_code == 202
