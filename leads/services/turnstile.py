"""Cloudflare Turnstile verification for lead capture (optional: TURNSTILE_SECRET_KEY).

The browser widget hands the form a one-time token; we ask Cloudflare whether it is
good. The HTTP call is one small function (`siteverify_post`) so tests can replace
Cloudflare's answer and still run all of our logic. A timeout or an unreadable answer
fails closed: the person sees "try again", a bot does not slip through while
Cloudflare is unreachable.
"""

import json
import logging
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

from marketing.errors import ServiceError

SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
MAX_ANSWER_BYTES = 16 * 1024

logger = logging.getLogger(__name__)


class TurnstileFailed(ServiceError):
    code = "turnstile_failed"

    def __init__(self) -> None:
        super().__init__(
            "We could not verify that you are human; please try again.",
            fields={"turnstileToken": ["Verification failed."]},
        )


def turnstile_required() -> bool:
    return bool(settings.TURNSTILE_SECRET_KEY)


def turnstile_verify(*, token: str, remote_ip: str) -> None:
    """Raise TurnstileFailed unless Cloudflare accepts the token."""
    if not token:
        raise TurnstileFailed()
    try:
        answer = siteverify_post(secret=settings.TURNSTILE_SECRET_KEY, token=token, remote_ip=remote_ip)
    except (URLError, OSError, ValueError) as error:
        logger.warning("turnstile siteverify unavailable", extra={"error": type(error).__name__})
        raise TurnstileFailed() from error
    if answer.get("success") is not True:
        raise TurnstileFailed()


def siteverify_post(*, secret: str, token: str, remote_ip: str) -> dict[str, Any]:
    """POST the token to Cloudflare's siteverify endpoint; its JSON answer."""
    body = urlencode({"secret": secret, "response": token, "remoteip": remote_ip}).encode()
    request = Request(
        SITEVERIFY_URL, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urlopen(request, timeout=settings.TURNSTILE_TIMEOUT_SECONDS) as response:  # noqa: S310 (fixed https URL)
        answer = json.loads(response.read(MAX_ANSWER_BYTES))
    if not isinstance(answer, dict):
        raise ValueError("siteverify answered something other than an object")
    return answer
