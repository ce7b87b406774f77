"""The client's IP address, taken only from sources we trust (SPEC §2).

An IP sent in a request body, or a forwarding header we were not told to trust, is
ignored: anyone can write one, and rate limits and abuse controls key on this value.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_for(request: HttpRequest) -> str:
    meta = request.META
    source = settings.CLIENT_IP_SOURCE
    if source == "fly":
        candidate = meta.get("HTTP_FLY_CLIENT_IP", "")
    elif source == "xff":
        candidate = _from_forwarded_for(meta.get("HTTP_X_FORWARDED_FOR", ""), settings.TRUSTED_PROXY_HOPS)
    else:
        candidate = ""
    return normalized_ip(candidate) or normalized_ip(meta.get("REMOTE_ADDR", "")) or "0.0.0.0"


def _from_forwarded_for(header: str, trusted_hops: int) -> str:
    # Each trusted proxy appends the address it received the request from, so the
    # client is the entry `trusted_hops` from the right; anything further left was
    # written by the client itself and may be forged.
    hops = [part.strip() for part in header.split(",") if part.strip()]
    if not hops or trusted_hops < 1:
        return ""
    return hops[-trusted_hops] if len(hops) >= trusted_hops else hops[0]


def normalized_ip(value: str) -> str:
    """The canonical text of an IP address, IPv4-mapped IPv6 unmapped; "" when invalid."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)
