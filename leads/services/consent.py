"""CASL consent rules for a lead (SPEC §3, §6).

- Express consent comes only from an explicit opt-in: an unticked-by-default
  checkbox the person ticked, or `consent.express = true` from such a checkbox.
- Any other inquiry gives implied consent (CASL s. 10(9)(b), "inquiry"), which lasts
  6 calendar months from the latest inquiry (s. 10(10)); then the lead is `pending`
  again, recorded as an `expired` consent event.
- Express outranks implied: a later plain inquiry never downgrades it.
- A withdrawn or suppressed address stays out until a NEW express opt-in. That opt-in
  is honoured: the express ConsentEvent is written and the Suppression lifted in the
  same transaction. The earlier withdrawal stays provable from the consent history
  (and, after an erasure, from its ErasureReceipt).

Every status change writes one ConsentEvent with the method (source), time, purpose
text and ip_hash: the record CASL s. 13 puts the burden of proof on.
"""

import calendar
import uuid
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from compliance.models import ConsentEventSource, ConsentEventStatus, SuppressionReason
from compliance.selectors import is_suppressed
from compliance.services import consent_event_record, suppression_add, suppression_lift
from leads.models import ConsentStatus, Lead

IMPLIED_CONSENT_MONTHS = 6
SUPPRESSED_PURPOSE = "Address is suppressed (earlier withdrawal or erasure); no new express consent given."
EXPIRED_PURPOSE = "Implied consent expired 6 months after the latest inquiry (CASL s. 10(10))."
_CONSENT_FIELDS = ["consent_status", "consent_expires_at", "consent_purpose", "consent_at", "consent_source"]


def implied_consent_expiry(inquiry_at: datetime) -> datetime:
    """Six calendar months after the inquiry, the day clamped to the month's end
    (31 Aug → 28/29 Feb): the reading of "6 months" least likely to overrun."""
    month_index = inquiry_at.month - 1 + IMPLIED_CONSENT_MONTHS
    year, month = inquiry_at.year + month_index // 12, month_index % 12 + 1
    day = min(inquiry_at.day, calendar.monthrange(year, month)[1])
    return inquiry_at.replace(year=year, month=month, day=day)


def consent_on_capture(*, lead: Lead, express: bool, purpose: str, source: str, ip_hash: str, at: datetime) -> None:
    """Apply one capture's consent to a lead the caller has locked (SELECT FOR UPDATE)."""
    if express:
        # A re-affirmed express consent for the same purpose changes nothing; a new
        # purpose is a new consent and is recorded, and so is one that overrides a
        # suppression (added by hand after an earlier opt-in, say).
        lifted = suppression_lift(email_normalized=lead.email_normalized)
        if lifted or lead.consent_status != ConsentStatus.EXPRESS or lead.consent_purpose != purpose:
            _consent_status_set(lead=lead, status=ConsentStatus.EXPRESS, source=source, purpose=purpose, ip_hash=ip_hash, at=at)
        return
    if lead.consent_status == ConsentStatus.WITHDRAWN:
        return
    if is_suppressed(email_normalized=lead.email_normalized):
        _consent_status_set(
            lead=lead, status=ConsentStatus.WITHDRAWN, source=source, purpose=SUPPRESSED_PURPOSE, ip_hash=ip_hash, at=at
        )
        return
    if lead.consent_status == ConsentStatus.EXPRESS:
        return
    expires_at = implied_consent_expiry(at)
    if lead.consent_status == ConsentStatus.PENDING:
        _consent_status_set(
            lead=lead, status=ConsentStatus.IMPLIED, source=source, purpose=purpose, ip_hash=ip_hash, at=at, expires_at=expires_at
        )
        return
    # Implied and still implied: the new inquiry restarts the 6 months. Not a status
    # change, so no consent event; the FormSubmission row is the inquiry's record.
    lead.consent_expires_at = max(lead.consent_expires_at or expires_at, expires_at)
    lead.consent_at = at
    lead.save(update_fields=["consent_expires_at", "consent_at"])


@transaction.atomic
def consent_withdraw(*, lead: Lead, source: str, ip_hash: str, at: datetime | None = None) -> None:
    """Unsubscribe: `withdrawn` at once (CASL allows 10 business days; we take none)
    and the address suppressed, so no import or implied capture brings it back."""
    at = at or timezone.now()
    if lead.consent_status != ConsentStatus.WITHDRAWN:
        _consent_status_set(lead=lead, status=ConsentStatus.WITHDRAWN, source=source, purpose="", ip_hash=ip_hash, at=at)
    suppression_add(email_normalized=lead.email_normalized, reason=SuppressionReason.WITHDRAWN)


def consents_expire(*, now: datetime | None = None, batch_size: int = 500, dry_run: bool = False) -> int:
    """Turn implied consents past their end into `pending`, each with an `expired`
    audit row (source "expiry"); returns how many expired (or would, with dry_run).

    Each batch claims its leads with UPDATE … FOR UPDATE SKIP LOCKED in its own
    transaction, so a scheduled run and a hand-run command never expire a lead
    twice, and a large backlog never holds many row locks at once.
    """
    now = now or timezone.now()
    if dry_run:
        return Lead.objects.filter(consent_status=ConsentStatus.IMPLIED, consent_expires_at__lte=now).count()
    expired = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE leads_lead SET consent_status = %(pending)s, consent_expires_at = NULL,
                        consent_at = %(now)s, consent_source = %(expiry)s
                    WHERE id IN (
                        SELECT id FROM leads_lead
                        WHERE consent_status = %(implied)s AND consent_expires_at <= %(now)s
                        ORDER BY consent_expires_at LIMIT %(batch_size)s
                        FOR UPDATE SKIP LOCKED
                    )
                    RETURNING id
                    """,
                    {
                        "pending": ConsentStatus.PENDING,
                        "implied": ConsentStatus.IMPLIED,
                        "expiry": ConsentEventSource.EXPIRY,
                        "now": now,
                        "batch_size": batch_size,
                    },
                )
                lead_ids: list[uuid.UUID] = [row[0] for row in cursor.fetchall()]
            for lead_id in lead_ids:
                consent_event_record(
                    lead_id=lead_id,
                    status=ConsentEventStatus.EXPIRED,
                    source=ConsentEventSource.EXPIRY,
                    purpose=EXPIRED_PURPOSE,
                    ip_hash="",
                    occurred_at=now,
                )
        expired += len(lead_ids)
        if len(lead_ids) < batch_size:
            return expired


def _consent_status_set(
    *, lead: Lead, status: str, source: str, purpose: str, ip_hash: str, at: datetime, expires_at: datetime | None = None
) -> None:
    lead.consent_status = status
    lead.consent_expires_at = expires_at
    if status in (ConsentStatus.EXPRESS, ConsentStatus.IMPLIED):
        lead.consent_purpose = purpose
    lead.consent_at = at
    lead.consent_source = source
    lead.save(update_fields=_CONSENT_FIELDS)
    consent_event_record(lead_id=lead.pk, status=status, source=source, purpose=purpose, ip_hash=ip_hash, occurred_at=at)
