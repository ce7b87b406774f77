import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import netaddr
import pytest
from django.conf import settings
from django.test import override_settings
from mmdb_writer import MMDBWriter

from marketing.geo import (
    configure_reader,
    country_code_for,
    reset_reader,
    warn_if_geoip_unconfigured,
)

TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata"
CANADA = {"country": {"iso_code": "CA", "names": {"en": "Canada"}}}


def write_country_database(path: Path, *, database_type: str = "GeoLite2-Country") -> Path:
    """A database that places one Vidéotron block, one IPv6 block and 10/8 in Canada."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type)
    # 10/8 is in the file so the private-address test proves the address is
    # refused before the look-up, not merely missing from the database.
    writer.insert_network(netaddr.IPSet(["24.48.0.0/16", "2607:fa48::/32", "10.0.0.0/8"]), CANADA)
    writer.to_db_file(str(path))
    return path


@pytest.fixture(autouse=True)
def fresh_reader() -> Iterator[None]:
    # The reader is process-wide; other tests must not inherit ours.
    reset_reader()
    yield
    reset_reader()


@pytest.fixture
def canada_database(tmp_path: Path) -> Path:
    return write_country_database(tmp_path / "GeoLite2-Country.mmdb")


@pytest.fixture
def geoip_country_db_setting() -> Iterator[Callable[[str | None], None]]:
    """Set GEOIP_COUNTRY_DB for one test, with or without pytest-django."""
    overrides: list[override_settings] = []

    def set_geoip_country_db(path: str | None) -> None:
        if settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE"):
            override = override_settings(GEOIP_COUNTRY_DB=path)
            override.enable()
            overrides.append(override)
        elif path is not None:
            pytest.skip("Django settings are not configured, so GEOIP_COUNTRY_DB cannot be set")
        reset_reader()

    yield set_geoip_country_db
    for override in reversed(overrides):
        override.disable()


def test_it_finds_the_country_of_an_ipv4_address(canada_database: Path) -> None:
    configure_reader(canada_database)

    assert country_code_for("24.48.1.2") == "CA"


def test_it_unmaps_an_ipv4_mapped_ipv6_address(canada_database: Path) -> None:
    configure_reader(canada_database)

    assert country_code_for("::ffff:24.48.1.2") == "CA"


def test_it_finds_the_country_of_an_ipv6_address(canada_database: Path) -> None:
    configure_reader(canada_database)

    assert country_code_for("2607:fa48:6d4e::1") == "CA"


def test_it_returns_none_for_an_address_outside_the_database(canada_database: Path) -> None:
    configure_reader(canada_database)

    assert country_code_for("8.8.8.8") is None
    assert country_code_for("2a00:1450::1") is None


@pytest.mark.parametrize(
    "ip",
    ["10.1.2.3", "::ffff:10.1.2.3", "192.168.0.1", "127.0.0.1", "::1", "fe80::1", "not-an-ip", ""],
)
def test_it_returns_none_for_private_and_invalid_addresses(canada_database: Path, ip: str) -> None:
    configure_reader(canada_database)

    assert country_code_for(ip) is None


def test_it_reads_the_country_from_a_city_database(tmp_path: Path) -> None:
    configure_reader(write_country_database(tmp_path / "city.mmdb", database_type="GeoLite2-City"))

    assert country_code_for("24.48.1.2") == "CA"


def test_it_refuses_a_database_without_countries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="marketing.geo")

    configure_reader(write_country_database(tmp_path / "asn.mmdb", database_type="GeoLite2-ASN"))

    assert country_code_for("24.48.1.2") is None
    assert len(caplog.records) == 1


@pytest.mark.parametrize(
    "database_name", ["GeoIP2-Country-Test.mmdb", "GeoLite2-Country-Test.mmdb"]
)
def test_it_agrees_with_the_maxmind_test_databases(database_name: str) -> None:
    database = TESTDATA / database_name
    expected_file = TESTDATA / "geoip_country_expected.tsv"
    if not (database.is_file() and expected_file.is_file()):
        pytest.skip(f"MaxMind test data not found in {TESTDATA}")
    lines = expected_file.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines[1:]]
    configure_reader(database)

    mismatches = {
        ip: (country_code_for(ip), country_iso or None)
        for ip, country_iso in rows
        if country_code_for(ip) != (country_iso or None)
    }

    assert len(rows) == 24
    assert mismatches == {}


def test_it_reports_where_the_client_is_not_where_the_network_is_registered() -> None:
    database = TESTDATA / "GeoIP2-Country-Test.mmdb"
    if not database.is_file():
        pytest.skip(f"MaxMind test database not found at {database}")
    configure_reader(database)

    # Registered in the US, used in Great Britain.
    assert country_code_for("81.2.69.142") == "GB"


def test_it_returns_none_when_no_database_is_configured() -> None:
    configure_reader(None)

    assert country_code_for("24.48.1.2") is None


def test_it_returns_none_when_the_setting_is_unset(
    geoip_country_db_setting: Callable[[str | None], None],
) -> None:
    geoip_country_db_setting(None)

    assert country_code_for("24.48.1.2") is None


def test_it_returns_none_when_the_database_file_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="marketing.geo")

    configure_reader(tmp_path / "missing.mmdb")

    assert country_code_for("24.48.1.2") is None
    assert len(caplog.records) == 1


def test_it_opens_the_database_named_in_the_setting_once(
    canada_database: Path, geoip_country_db_setting: Callable[[str | None], None]
) -> None:
    geoip_country_db_setting(str(canada_database))

    assert country_code_for("24.48.1.2") == "CA"
    # Still answered after the file is gone: the reader opened for the first
    # look-up is the one every later look-up uses.
    canada_database.unlink()
    assert country_code_for("24.48.9.9") == "CA"


def test_it_warns_once_when_the_setting_is_unset(
    geoip_country_db_setting: Callable[[str | None], None], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="marketing.geo")
    geoip_country_db_setting(None)

    assert warn_if_geoip_unconfigured() is False
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "GEOIP_COUNTRY_DB" in caplog.records[0].getMessage()


def test_it_warns_once_when_the_database_file_is_missing(
    tmp_path: Path,
    geoip_country_db_setting: Callable[[str | None], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="marketing.geo")
    geoip_country_db_setting(str(tmp_path / "missing.mmdb"))

    assert warn_if_geoip_unconfigured() is False
    assert country_code_for("24.48.1.2") is None
    assert [record.levelname for record in caplog.records] == ["WARNING"]


def test_it_does_not_warn_when_the_database_exists(
    canada_database: Path,
    geoip_country_db_setting: Callable[[str | None], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="marketing.geo")
    geoip_country_db_setting(str(canada_database))

    assert warn_if_geoip_unconfigured() is True
    assert caplog.records == []
