"""SPEC §2: the raw IP is used for the country look-up, then discarded."""

import pytest
from django.apps import apps
from django.db import connection

from tests.conftest import page_view

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.77"


def test_the_raw_ip_appears_in_no_column_of_any_tracking_table(beacon, settings):
    settings.CLIENT_IP_SOURCE = "fly"

    beacon(
        {"events": [page_view(path="/"), {"anonId": "visitor-0001", "eventType": "cta_click", "path": "/"}]},
        HTTP_FLY_CLIENT_IP=CLIENT_IP,
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
    )

    tables = [model._meta.db_table for model in apps.get_app_config("tracking").get_models()]
    with connection.cursor() as cursor:
        for table in tables:
            # Every column of every row, as text: catches the IP in JSON props too.
            cursor.execute(f"SELECT count(*) FROM {table} AS t WHERE t::text LIKE %s", [f"%{CLIENT_IP}%"])
            assert cursor.fetchone()[0] == 0, f"raw IP found in {table}"
        cursor.execute("SELECT count(*) FROM tracking_event")
        assert cursor.fetchone()[0] == 2
