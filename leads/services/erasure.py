"""Delete-by-email (PIPEDA principle 4.5.3, SPEC §4 and §6).

One transaction removes the lead, its identities and submissions, blanks the personal
links of its consent events, deletes the visitors linked to it (their sessions and
events go with them by CASCADE) and admin log lines naming it, then adds the
Suppression and the ErasureReceipt. Any error rolls all of it back: an erasure is
either done and receipted, or not done at all.

Which visitors go (leads.selectors.erasure_visitor_ids): every visitor linked to the
lead, except one linked to it only by the same-IP-and-browser guess while another
lead has strong evidence (a form typed in that browser) for it: that browser's
history is most likely the other person's, and deleting it would erase someone else
on a guess. A visitor with strong evidence for this lead goes, even when another lead
claims it too: the person asked, and their own history cannot be kept apart from it.
"""

from collections import Counter

from django.contrib.admin.models import LogEntry
from django.db import transaction

from compliance.models import ConsentEventSource, ErasureReceipt, SuppressionReason
from compliance.services import (
    consent_event_record,
    consent_events_anonymise,
    erasure_receipt_record,
    suppression_add,
)
from leads.models import ConsentStatus, Lead
from leads.selectors import ANONYMISED_CONSENT_EVENTS, ERASURE_LABELS, admin_log_entries_for, erasure_visitor_ids
from leads.services.emails import email_normalize
from tracking.models import Visitor


@transaction.atomic
def email_erase(*, email: str, erased_by: str, reason: str = "") -> ErasureReceipt:
    """Erase everything personal about an address; the receipt lists rows per table.

    An address we do not know still gets its Suppression and a receipt (all zeros):
    the request was carried out, and the address cannot come back by an import.
    """
    address = email_normalize(email).address
    counts: Counter[str] = Counter(dict.fromkeys(ERASURE_LABELS, 0))
    lead = Lead.objects.select_for_update().filter(email_normalized=address).first()
    if lead is not None:
        visitor_ids = erasure_visitor_ids(lead_id=lead.pk)
        # Before the lead goes: its events are found by lead_id until then.
        counts[ANONYMISED_CONSENT_EVENTS] = consent_events_anonymise(lead_id=lead.pk)
        counts[LogEntry._meta.label], _ = admin_log_entries_for(lead=lead, visitor_ids=visitor_ids).delete()
        _, deleted = Visitor.objects.filter(pk__in=visitor_ids).delete()
        counts.update(deleted)
        _, deleted = Lead.objects.filter(pk=lead.pk).delete()
        counts.update(deleted)
        if lead.consent_status != ConsentStatus.WITHDRAWN:
            # The consent ends with the lead; the audit says so, anonymously like the
            # rows before it (every status change is recorded, SPEC §6).
            consent_event_record(
                lead_id=None, status=ConsentStatus.WITHDRAWN, source=ConsentEventSource.ERASURE, purpose="", ip_hash=""
            )
    suppression_add(email_normalized=address, reason=SuppressionReason.ERASED)
    return erasure_receipt_record(email_normalized=address, erased_by=erased_by, reason=reason, counts=dict(counts))
