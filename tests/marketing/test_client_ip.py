import pytest
from django.test import RequestFactory

from marketing.client_ip import client_ip_for
from tests.conftest import page_view
from tracking.models import Visitor

factory = RequestFactory()


def _request(**meta: str):
    return factory.post("/v1/events", REMOTE_ADDR=meta.pop("REMOTE_ADDR", "10.0.0.9"), **meta)


def test_it_uses_the_socket_address_when_no_proxy_is_trusted(settings):
    settings.CLIENT_IP_SOURCE = "socket"

    ip = client_ip_for(_request(HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_FLY_CLIENT_IP="5.6.7.8"))

    assert ip == "10.0.0.9"


def test_it_uses_fly_client_ip_on_fly(settings):
    settings.CLIENT_IP_SOURCE = "fly"

    assert client_ip_for(_request(HTTP_FLY_CLIENT_IP="203.0.113.7")) == "203.0.113.7"


def test_it_falls_back_to_the_socket_when_the_fly_header_is_missing_or_invalid(settings):
    settings.CLIENT_IP_SOURCE = "fly"

    assert client_ip_for(_request()) == "10.0.0.9"
    assert client_ip_for(_request(HTTP_FLY_CLIENT_IP="not-an-ip")) == "10.0.0.9"


@pytest.mark.parametrize(
    ("header", "hops", "expected"),
    [
        ("203.0.113.7", 1, "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7", 1, "203.0.113.7"),  # the left entry was forged by the client
        ("198.51.100.1, 203.0.113.7, 192.0.2.10", 2, "203.0.113.7"),
        ("203.0.113.7", 2, "203.0.113.7"),
        ("2001:db8::1", 1, "2001:db8::1"),
        ("::ffff:203.0.113.7", 1, "203.0.113.7"),
    ],
)
def test_it_takes_the_address_the_trusted_proxies_saw_from_x_forwarded_for(settings, header, hops, expected):
    settings.CLIENT_IP_SOURCE = "xff"
    settings.TRUSTED_PROXY_HOPS = hops

    assert client_ip_for(_request(HTTP_X_FORWARDED_FOR=header)) == expected


def test_it_ignores_x_forwarded_for_unless_configured(settings):
    settings.CLIENT_IP_SOURCE = "fly"

    assert client_ip_for(_request(HTTP_X_FORWARDED_FOR="1.2.3.4")) == "10.0.0.9"


@pytest.mark.django_db
def test_an_ip_field_in_the_body_is_ignored(beacon, settings):
    from marketing.hashing import pepper_hash

    settings.CLIENT_IP_SOURCE = "socket"

    beacon(page_view(ip="8.8.8.8", props={"ip": "8.8.8.8"}), REMOTE_ADDR="203.0.113.7")

    visitor = Visitor.objects.get()
    assert visitor.first_ip_hash == pepper_hash("203.0.113.7")
