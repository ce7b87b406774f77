import json
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def beacon(client: Client):
    """Post a body to /v1/events the way navigator.sendBeacon does (text/plain JSON)."""

    def post(body: Any, **headers: str):
        return client.post(
            "/v1/events",
            data=body if isinstance(body, str | bytes) else json.dumps(body),
            content_type="text/plain;charset=UTF-8",
            **headers,
        )

    return post


def page_view(anon_id: str = "visitor-0001", path: str = "/", **fields: Any) -> dict[str, Any]:
    return {"anonId": anon_id, "eventType": "page_view", "path": path, **fields}
