"""The functions that walk the rules in rules.py."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from marketing.traffic_source.rules import (
    APP_REFERRERS,
    CAMPAIGN,
    COUNTRY_SECOND_LEVEL_LABELS,
    DIRECT,
    EMAIL,
    EMAIL_MEDIUMS,
    HOST_RULES,
    INTERNAL,
    PAID_SEARCH_MEDIUMS,
    REFERRAL,
    SOCIAL,
    UNKNOWN,
    UTM_MEDIUM_RULES,
)

_HOST_PATTERN = re.compile(r"[\w-]+(\.[\w-]+)*")
# A referrer typed without a scheme ("google.com/search"); anything else
# without "//" (mailto:, about:blank, free text) has no host to classify.
_SCHEMELESS_HOST = re.compile(r"[\w.-]+\.[\w-]+(:\d+)?(/|$)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PACKAGE_SEPARATORS = re.compile(r"[._]+")


class HostParts(NamedTuple):
    subdomains: tuple[str, ...]
    brand: str
    registrable_domain: str


def classify_traffic_source(
    *,
    referrer: str | None,
    utm_source: str = "",
    utm_medium: str = "",
    utm_campaign: str = "",
    site_hosts: frozenset[str] = frozenset(),
) -> str:
    """Return one of TRAFFIC_SOURCES for a session's first hit."""
    campaign_source = _utm_traffic_source(utm_source, utm_medium, utm_campaign)
    if campaign_source is not None:
        return campaign_source

    referrer = (referrer or "").strip()
    if not referrer:
        return DIRECT
    scheme, host = _referrer_scheme_and_host(referrer)
    if host is None:
        return UNKNOWN
    if scheme == "android-app":
        return app_traffic_source(host)
    if _without_www(host) in _site_host_keys(frozenset(site_hosts)):
        return INTERNAL
    return host_traffic_source(host) or REFERRAL


def host_traffic_source(host: str) -> str | None:
    """The family a referrer host belongs to (search, social, email), if any."""
    parts = split_host(host)
    return _walk_host_rules(
        families=(parts.brand, parts.registrable_domain),
        subdomains=parts.subdomains,
    )


def app_traffic_source(package: str) -> str:
    """The family of an Android app that opened the page; referral if none."""
    package = package.lower()
    if package in APP_REFERRERS:
        return APP_REFERRERS[package]
    words = tuple(_PACKAGE_SEPARATORS.split(package))
    return _walk_host_rules(families=words, subdomains=words) or REFERRAL


def split_host(host: str) -> HostParts:
    """`news.google.com.af` → (("news",), "google", "google.com.af")."""
    labels = host.lower().rstrip(".").split(".")
    suffix_length = 1
    if (
        len(labels) >= 3
        and len(labels[-1]) == 2
        and labels[-2] in COUNTRY_SECOND_LEVEL_LABELS
    ):
        suffix_length = 2
    brand_index = max(len(labels) - suffix_length - 1, 0)
    return HostParts(
        subdomains=tuple(labels[:brand_index]),
        brand=labels[brand_index],
        registrable_domain=".".join(labels[brand_index:]),
    )


def _walk_host_rules(*, families: tuple[str, ...], subdomains: tuple[str, ...]) -> str | None:
    subdomain_words = tuple(label.rstrip("0123456789-") for label in subdomains)
    for rule in HOST_RULES:
        if rule.families is not None and not any(map(rule.families.matches, families)):
            continue
        if rule.subdomains is not None and not any(
            map(rule.subdomains.matches, subdomain_words)
        ):
            continue
        return rule.traffic_source
    return None


def _utm_traffic_source(utm_source: str, utm_medium: str, utm_campaign: str) -> str | None:
    source = (utm_source or "").strip().lower()
    medium = _NOT_ALNUM.sub("", (utm_medium or "").lower())
    campaign = (utm_campaign or "").strip()
    if not (source or medium or campaign):
        return None

    source_family = _utm_source_family(source) if source else None
    # An ad bought on a social network is tagged cpc as often as paid_social.
    if medium in PAID_SEARCH_MEDIUMS and source_family == SOCIAL:
        return SOCIAL
    for mediums, traffic_source in UTM_MEDIUM_RULES:
        if medium in mediums:
            return traffic_source
    # Only a bare source names the channel; with any other medium
    # (banner, display, affiliate…) the marketer chose a campaign of their own.
    if not medium and source_family is not None:
        return source_family
    return CAMPAIGN


def _utm_source_family(source: str) -> str | None:
    if _NOT_ALNUM.sub("", source) in EMAIL_MEDIUMS:
        return EMAIL
    if "." in source:
        scheme, host = _referrer_scheme_and_host(source)
        return host_traffic_source(host) if host else None
    return host_traffic_source(source)


def _referrer_scheme_and_host(referrer: str) -> tuple[str, str | None]:
    if "//" not in referrer:
        if not _SCHEMELESS_HOST.match(referrer):
            return "", None
        referrer = "//" + referrer
    try:
        url = urlsplit(referrer)
        host = url.hostname
    except ValueError:
        return "", None
    if not host:
        return url.scheme, None
    host = host.rstrip(".")
    if not _HOST_PATTERN.fullmatch(host) and ":" not in host:
        return url.scheme, None
    return url.scheme, host


@lru_cache(maxsize=64)
def _site_host_keys(site_hosts: frozenset[str]) -> frozenset[str]:
    keys = set()
    for site_host in site_hosts:
        site_host = site_host.strip()
        try:
            # Settings may list bare hosts, host:port or whole origins.
            hostname = urlsplit(site_host if "//" in site_host else "//" + site_host).hostname
        except ValueError:
            continue
        if hostname:
            keys.add(_without_www(hostname.rstrip(".")))
    return frozenset(keys)


def _without_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host
