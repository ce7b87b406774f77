"""The abuse log is the only place a raw IP may be stored, and only when
RAW_IP_RETENTION_DAYS allows it (SPEC §1, §5)."""

import pytest

from compliance.models import AbuseLogEntry
from compliance.services import abuse_log_record

pytestmark = pytest.mark.django_db


def test_an_abuse_entry_keeps_the_raw_ip_reason_and_path(settings):
    settings.RAW_IP_RETENTION_DAYS = 7

    entry = abuse_log_record(ip="203.0.113.9", reason="honeypot", path="/v1/leads/capture")

    stored = AbuseLogEntry.objects.get(pk=entry.pk)
    assert (stored.ip, stored.reason, stored.path) == ("203.0.113.9", "honeypot", "/v1/leads/capture")


def test_nothing_is_stored_when_raw_ip_retention_is_zero(settings):
    settings.RAW_IP_RETENTION_DAYS = 0

    entry = abuse_log_record(ip="203.0.113.9", reason="rate_limited", path="/v1/events")

    assert entry is None
    assert not AbuseLogEntry.objects.exists()


def test_an_ipv4_mapped_ipv6_address_is_stored_as_ipv4(settings):
    settings.RAW_IP_RETENTION_DAYS = 7

    entry = abuse_log_record(ip="::ffff:203.0.113.9", reason="honeypot", path="/")

    assert AbuseLogEntry.objects.get(pk=entry.pk).ip == "203.0.113.9"


@pytest.mark.parametrize(
    "fields", [{"ip": "not-an-ip"}, {"reason": "Bad Reason!"}], ids=["not an ip", "reason not a code"]
)
def test_it_refuses_an_entry_it_could_not_purge_or_filter(settings, fields):
    settings.RAW_IP_RETENTION_DAYS = 7

    with pytest.raises(ValueError):
        abuse_log_record(**({"ip": "203.0.113.9", "reason": "honeypot", "path": "/"} | fields))
