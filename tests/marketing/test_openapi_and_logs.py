import json
import logging

import pytest

from tests.conftest import page_view

pytestmark = pytest.mark.django_db


def test_openapi_describes_the_public_endpoints(client):
    response = client.get("/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/v1/events" in paths and "post" in paths["/v1/events"]
    assert "/v1/healthz" in paths


def test_an_unknown_api_path_answers_a_json_404(client):
    response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_each_request_logs_one_json_line_without_the_ip(beacon, caplog):
    from marketing.logging import JsonFormatter

    with caplog.at_level(logging.INFO, logger="marketing.requests"):
        response = beacon(page_view(), REMOTE_ADDR="203.0.113.99", HTTP_X_REQUEST_ID="edge-request-0001")

    (record,) = [record for record in caplog.records if record.name == "marketing.requests"]
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "edge-request-0001" == response["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v1/events", 202)
    assert entry["duration_ms"] >= 0
    assert "203.0.113.99" not in line


def test_the_demo_page_answers_in_development(client, settings):
    settings.DEMO_PAGE = True

    assert client.get("/").status_code == 200


def test_the_demo_page_is_off_when_disabled(client, settings):
    settings.DEMO_PAGE = False

    assert client.get("/").status_code == 404
