"""Unsubscribe (SPEC §3): by email, or by the signed token an email's link carries.

The token is the lead id signed with SECRET_KEY (django.core.signing, salted for this
use, timestamped): it names nobody by itself, carries no email in clear, and a link
cannot be forged or bent to another lead. It is valid UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS
(365 by default; CASL requires at least 60 days after sending). The answer
is the same whether or not we know the address: an unsubscribe page must not tell a
stranger who is on our list.
"""

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from compliance.models import SuppressionReason
from compliance.services import suppression_add
from leads.models import Lead
from leads.services.consent import consent_withdraw
from leads.services.emails import email_normalize
from marketing.errors import ServiceError

UNSUBSCRIBE_SALT = "leads.unsubscribe"
UNSUBSCRIBE_PATH = "/v1/leads/unsubscribe"


class InvalidUnsubscribeToken(ServiceError):
    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__(
            "This unsubscribe link is invalid or has expired.", fields={"token": ["Invalid or expired."]}
        )


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_for(*, lead_id: uuid.UUID) -> str:
    return _signer().sign(uuid.UUID(str(lead_id)).hex)


def unsubscribe_url_for(*, lead_id: uuid.UUID) -> str:
    """The link an email embeds (and its List-Unsubscribe header, RFC 8058)."""
    if not settings.PUBLIC_BASE_URL:
        raise ServiceError("Set PUBLIC_BASE_URL to print unsubscribe links.", code="not_configured")
    return f"{settings.PUBLIC_BASE_URL}{UNSUBSCRIBE_PATH}?{urlencode({'token': unsubscribe_token_for(lead_id=lead_id)})}"


def lead_id_from_unsubscribe_token(token: str) -> uuid.UUID:
    """The lead id a token was made for; InvalidUnsubscribeToken when forged or expired."""
    try:
        value = _signer().unsign(token, max_age=timedelta(days=settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS))
        return uuid.UUID(hex=value)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidUnsubscribeToken() from None


@transaction.atomic
def lead_unsubscribe(
    *, email: object = "", token: str = "", source: str, ip_hash: str, at: datetime | None = None
) -> None:
    """Withdraw consent now and suppress the address. With a token whose lead no longer
    exists (erased: already suppressed) nothing is left to do; an unknown email is
    suppressed all the same, so it cannot be imported or captured into consent later."""
    at = at or timezone.now()
    if token:
        lead = Lead.objects.select_for_update().filter(pk=lead_id_from_unsubscribe_token(token)).first()
        if lead is not None:
            consent_withdraw(lead=lead, source=source, ip_hash=ip_hash, at=at)
        return
    address = email_normalize(email).address
    lead = Lead.objects.select_for_update().filter(email_normalized=address).first()
    if lead is not None:
        consent_withdraw(lead=lead, source=source, ip_hash=ip_hash, at=at)
    else:
        suppression_add(email_normalized=address, reason=SuppressionReason.WITHDRAWN)
