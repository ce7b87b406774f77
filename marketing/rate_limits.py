"""Per-client-IP rate limits on the public endpoints, counted by django-ratelimit."""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from marketing.client_ip import client_ip_for
from marketing.errors import RateLimited


def _client_ip_key(group: str, request: HttpRequest) -> str:
    return client_ip_for(request)


def rate_limit_enforce(request: HttpRequest, *, group: str, rate_setting: str) -> None:
    """Count this request against `group` and raise RateLimited past the rate in settings."""
    usage = get_usage(
        request,
        group=group,
        key=_client_ip_key,
        rate=getattr(settings, rate_setting),
        method=["POST"],
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise RateLimited(retry_after_seconds=usage["time_left"])
