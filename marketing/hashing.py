"""Keyed hashes for personal values we must be able to match but never read back.

HMAC-SHA256 with a server-side pepper (IP_HASH_PEPPER) rather than a plain hash: an
IPv4 address space is small enough to reverse a plain SHA-256 by brute force.
"""

import hmac
from hashlib import sha256

from django.conf import settings


def pepper_hash(value: str) -> str:
    """Hex HMAC-SHA256 of `value` under the pepper; used for IPs, User-Agents and emails."""
    return hmac.new(settings.IP_HASH_PEPPER.encode(), value.encode(), sha256).hexdigest()
