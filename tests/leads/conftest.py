import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
SITE = "https://www.example-site.ca"


@pytest.fixture(autouse=True)
def lead_settings(settings):
    """A marketing site origin to redirect to, and limits high enough that only the
    rate-limit tests meet them."""
    settings.CORS_ALLOWED_ORIGINS = [SITE, "http://localhost:8000"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.RATELIMIT_LEADS = "1000/m"
    settings.RATELIMIT_UNSUBSCRIBE = "1000/m"
    settings.TURNSTILE_SECRET_KEY = ""
    settings.PUBLIC_BASE_URL = "https://api.example-site.ca"
    return settings


@pytest.fixture
def capture(client: Client):
    """POST /v1/leads/capture as the tracker's fetch does (JSON)."""

    def post(body: dict[str, Any], **headers: str):
        headers.setdefault("HTTP_USER_AGENT", CHROME_UA)
        return client.post("/v1/leads/capture", data=json.dumps(body), content_type="application/json", **headers)

    return post


@pytest.fixture
def capture_form(client: Client):
    """POST /v1/leads/capture as a plain HTML form without JavaScript."""

    def post(fields: dict[str, Any], **headers: str):
        headers.setdefault("HTTP_USER_AGENT", CHROME_UA)
        return client.post(
            "/v1/leads/capture", data=urlencode(fields), content_type="application/x-www-form-urlencoded", **headers
        )

    return post
