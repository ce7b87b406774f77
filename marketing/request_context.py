"""What we derive from a request before it touches the database (SPEC §2).

The raw IP lives only in this object, for the country look-up and abuse controls;
what is stored is its keyed hash.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from marketing.client_ip import client_ip_for
from marketing.devices import device_type_for
from marketing.geo import country_code_for
from marketing.hashing import pepper_hash

MAX_USER_AGENT_CHARS = 512


@dataclass(frozen=True, slots=True)
class RequestContext:
    client_ip: str
    ip_hash: str
    user_agent: str
    ua_hash: str
    device_type: str
    country_code: str | None
    site_hosts: frozenset[str]
    received_at: datetime


def request_context_for(request: HttpRequest) -> RequestContext:
    client_ip = client_ip_for(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT_CHARS]
    return RequestContext(
        client_ip=client_ip,
        ip_hash=pepper_hash(client_ip),
        user_agent=user_agent,
        ua_hash=pepper_hash(user_agent),
        device_type=device_type_for(user_agent),
        country_code=country_code_for(client_ip),
        site_hosts=site_hosts_for(request.META.get("HTTP_ORIGIN", "")),
        received_at=timezone.now(),
    )


def site_hosts_for(origin: str) -> frozenset[str]:
    """Hosts of the marketing site: configured ones, allowed CORS origins, and the
    Origin of this request (the page that sent the beacon)."""
    configured = _configured_site_hosts(tuple(settings.SITE_HOSTS), tuple(settings.CORS_ALLOWED_ORIGINS))
    origin_host = _host_of(origin)
    return configured | {origin_host} if origin_host else configured


@lru_cache(maxsize=8)
def _configured_site_hosts(site_hosts: tuple[str, ...], cors_origins: tuple[str, ...]) -> frozenset[str]:
    hosts = {host.lower() for host in site_hosts}
    hosts.update(filter(None, (_host_of(origin) for origin in cors_origins)))
    return frozenset(hosts)


def _host_of(url: str) -> str:
    if not url or url == "null":
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
