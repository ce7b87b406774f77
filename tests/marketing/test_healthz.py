import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/v1/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_does_not(client):
    real_settings = dict(connection.settings_dict)
    connection.close()
    # A port nothing listens on, on a host that refuses at once: the real failure mode.
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "9", "OPTIONS": {"connect_timeout": 2}})
    try:
        response = client.get("/v1/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(real_settings)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
