"""Optional Cloudflare Turnstile on lead capture. Only Cloudflare's answer is stubbed."""

import io
import json
from urllib.error import URLError
from urllib.parse import parse_qs

import pytest

from leads.models import Lead
from leads.services import turnstile
from tracking.models import IngestRejection

from tests.leads.conftest import SITE

pytestmark = pytest.mark.django_db


@pytest.fixture
def cloudflare(monkeypatch, settings):
    """Turnstile switched on, and Cloudflare answering what the test says."""
    settings.TURNSTILE_SECRET_KEY = "0x4AAAAAAAtest-secret"
    calls = []

    class Remote:
        answer: dict | Exception = {"success": True}

        @staticmethod
        def siteverify_post(*, secret: str, token: str, remote_ip: str) -> dict:
            calls.append({"secret": secret, "token": token, "remote_ip": remote_ip})
            if isinstance(Remote.answer, Exception):
                raise Remote.answer
            return Remote.answer

    Remote.calls = calls
    monkeypatch.setattr(turnstile, "siteverify_post", Remote.siteverify_post)
    return Remote


def test_without_a_secret_no_token_is_needed_and_cloudflare_is_not_asked(capture, monkeypatch):
    def must_not_be_called(**kwargs):
        raise AssertionError("siteverify called with Turnstile off")

    monkeypatch.setattr(turnstile, "siteverify_post", must_not_be_called)

    assert capture({"email": "ann@example.com"}).status_code == 200


def test_a_token_cloudflare_accepts_lets_the_capture_through(capture, cloudflare):
    response = capture({"email": "ann@example.com", "turnstileToken": "good-token"}, REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 200
    assert Lead.objects.count() == 1
    assert cloudflare.calls == [{"secret": "0x4AAAAAAAtest-secret", "token": "good-token", "remote_ip": "198.51.100.4"}]


def test_a_token_cloudflare_refuses_is_an_error_and_nothing_is_stored(capture, cloudflare):
    cloudflare.answer = {"success": False, "error-codes": ["invalid-input-response"]}

    response = capture({"email": "ann@example.com", "anonId": "visitor-0001", "turnstileToken": "bad-token"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "turnstile_failed"
    assert Lead.objects.count() == 0
    assert IngestRejection.objects.get().reason == "lead_turnstile_failed"


def test_a_missing_token_is_refused_without_asking_cloudflare(capture, cloudflare):
    response = capture({"email": "ann@example.com"})

    assert response.json()["error"]["code"] == "turnstile_failed"
    assert cloudflare.calls == []


def test_cloudflare_unreachable_fails_closed(capture, cloudflare):
    cloudflare.answer = URLError("timed out")

    response = capture({"email": "ann@example.com", "turnstileToken": "some-token"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "turnstile_failed"
    assert Lead.objects.count() == 0


def test_the_no_js_form_sends_the_widget_field_and_gets_the_reason_back(capture_form, cloudflare):
    cloudflare.answer = {"success": False}

    response = capture_form({"email": "ann@example.com", "cf-turnstile-response": "bad", "next": f"{SITE}/contact"})

    assert response.status_code == 303
    assert response["Location"] == f"{SITE}/contact?lead=error&reason=turnstile_failed"
    assert cloudflare.calls[0]["token"] == "bad"


def test_a_honeypot_hit_is_answered_before_cloudflare_is_asked(capture, cloudflare):
    response = capture({"email": "bot@example.com", "website": "spam"})

    assert response.json() == {"ok": True, "status": "captured"}
    assert cloudflare.calls == []


def test_siteverify_posts_the_token_to_cloudflare_with_a_short_timeout(monkeypatch, settings):
    settings.TURNSTILE_TIMEOUT_SECONDS = 2.5
    sent = {}

    def fake_urlopen(request, timeout):
        sent.update(url=request.full_url, body=parse_qs(request.data.decode()), timeout=timeout, method=request.get_method())
        return io.BytesIO(json.dumps({"success": True}).encode())

    monkeypatch.setattr(turnstile, "urlopen", fake_urlopen)

    answer = turnstile.siteverify_post(secret="s3cret", token="tok", remote_ip="198.51.100.4")

    assert answer == {"success": True}
    assert sent == {
        "url": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
        "body": {"secret": ["s3cret"], "response": ["tok"], "remoteip": ["198.51.100.4"]},
        "timeout": 2.5,
        "method": "POST",
    }
