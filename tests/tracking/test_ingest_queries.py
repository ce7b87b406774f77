"""The ingest path must not grow its statements with the number of events."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import page_view

pytestmark = pytest.mark.django_db

RATE_COUNTER_TABLE = "marketing_rate_counter"


def _ingest_statements(queries: list[dict]) -> list[str]:
    # The test runs inside a transaction, so the service's atomic block shows up as
    # SAVEPOINT/RELEASE; in production it is the BEGIN/COMMIT pair, not counted either.
    return [
        query["sql"]
        for query in queries
        if RATE_COUNTER_TABLE not in query["sql"] and "SAVEPOINT" not in query["sql"]
    ]


def _rate_limit_statements(queries: list[dict]) -> list[str]:
    return [query["sql"] for query in queries if RATE_COUNTER_TABLE in query["sql"]]


def test_a_page_view_of_a_known_visitor_in_a_running_session_takes_four_statements(beacon):
    beacon(page_view(path="/"))

    with CaptureQueriesContext(connection) as captured:
        response = beacon(page_view(path="/pricing"))

    assert response.status_code == 202
    assert len(_ingest_statements(captured.captured_queries)) <= 4
    assert len(_rate_limit_statements(captured.captured_queries)) <= 2


def test_a_batch_of_twenty_events_takes_at_most_eight_statements(beacon):
    beacon(page_view(path="/"))
    batch = {"events": [page_view(path=f"/page-{number}") for number in range(20)]}

    with CaptureQueriesContext(connection) as captured:
        response = beacon(batch)

    assert response.json()["accepted"] == 20
    assert len(_ingest_statements(captured.captured_queries)) <= 8


def test_a_batch_of_twenty_events_from_twenty_new_visitors_takes_at_most_eight_statements(beacon):
    batch = {"events": [page_view(anon_id=f"visitor-{number:04d}") for number in range(20)]}

    with CaptureQueriesContext(connection) as captured:
        response = beacon(batch)

    assert response.json()["accepted"] == 20
    assert len(_ingest_statements(captured.captured_queries)) <= 8
