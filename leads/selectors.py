"""Reads of leads that more than one caller needs: the mailing export (command and
admin action), the lead's journey (admin page), and what an erasure would remove
(admin preview and the erasure itself)."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet

from compliance.models import ConsentEvent, Suppression
from leads.models import ConsentStatus, FormSubmission, Lead, LeadIdentity, LinkSource
from tracking.models import Event, EventType, Session, Visitor

STRONG_LINK_SOURCES = (LinkSource.FORM_SUBMIT, LinkSource.MANUAL_MERGE)
MAX_PAGES_BEFORE_CAPTURE = 50
# Tables an erasure touches, as the preview and the ErasureReceipt list them.
ANONYMISED_CONSENT_EVENTS = "compliance.ConsentEvent (anonymised)"
ERASURE_LABELS = (
    "leads.Lead",
    "leads.LeadIdentity",
    "leads.FormSubmission",
    ANONYMISED_CONSENT_EVENTS,
    "tracking.Visitor",
    "tracking.Session",
    "tracking.Event",
    "admin.LogEntry",
)


def mailable_leads(*, today: date) -> QuerySet[Lead]:
    """Leads that may be sent a commercial email today (CASL s. 6): express consent,
    or implied consent still valid at the END of `today` (a send scheduled late in
    the day must not go out after the consent ran out); never withdrawn; never
    suppressed (the Suppression hash is checked too, so an address suppressed by
    hand or by an erasure of an earlier row stays out even if the lead says otherwise)."""
    end_of_today = datetime.combine(today + timedelta(days=1), time.min, tzinfo=dt_timezone.utc)
    return (
        Lead.objects.filter(
            Q(consent_status=ConsentStatus.EXPRESS)
            | Q(consent_status=ConsentStatus.IMPLIED, consent_expires_at__gte=end_of_today)
        )
        .exclude(Exists(Suppression.objects.filter(email_hash=OuterRef("email_hash"))))
        .order_by("email_normalized")
    )


def consent_history(*, lead: Lead) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(lead=lead).order_by("-occurred_at")


@dataclass(frozen=True, slots=True)
class PageView:
    occurred_at: datetime
    path: str
    anon_id: str


@dataclass(frozen=True, slots=True)
class LeadJourney:
    """How a lead found us, from the visitors linked to it (all links, strong and
    heuristic; the identities table next to it shows which is which)."""

    visitor_count: int
    first_touch: Session | None
    first_visit_at: datetime | None
    pages_before_capture: list[PageView]
    time_to_capture: timedelta | None


def lead_journey(*, lead: Lead) -> LeadJourney:
    visitor_ids = list(LeadIdentity.objects.filter(lead=lead).values_list("visitor_id", flat=True))
    first_touch = (
        Session.objects.filter(visitor_id__in=visitor_ids).order_by("started_at").first() if visitor_ids else None
    )
    first_visit_at = (
        Visitor.objects.filter(pk__in=visitor_ids).order_by("first_seen_at").values_list("first_seen_at", flat=True).first()
        if visitor_ids
        else None
    )
    if first_touch is not None and (first_visit_at is None or first_touch.started_at < first_visit_at):
        first_visit_at = first_touch.started_at
    # Served by event_visitor_time_idx (visitor, occurred_at desc).
    pages = [
        PageView(occurred_at=occurred_at, path=path, anon_id=anon_id)
        for occurred_at, path, anon_id in Event.objects.filter(
            visitor_id__in=visitor_ids, event_type=EventType.PAGE_VIEW, occurred_at__lt=lead.first_captured_at
        )
        .order_by("occurred_at")
        .values_list("occurred_at", "path", "visitor__anon_id")[:MAX_PAGES_BEFORE_CAPTURE]
    ] if visitor_ids else []
    time_to_capture = lead.first_captured_at - first_visit_at if first_visit_at and first_visit_at <= lead.first_captured_at else None
    return LeadJourney(
        visitor_count=len(visitor_ids),
        first_touch=first_touch,
        first_visit_at=first_visit_at,
        pages_before_capture=pages,
        time_to_capture=time_to_capture,
    )


def erasure_visitor_ids(*, lead_id: uuid.UUID) -> list[uuid.UUID]:
    """The visitors an erasure of this lead deletes (rule in leads/services/erasure.py):
    all linked ones, except those linked here only by a guess while another lead
    holds strong evidence for them."""
    strong_elsewhere = LeadIdentity.objects.filter(
        visitor=OuterRef("visitor"), link_source__in=STRONG_LINK_SOURCES
    ).exclude(lead_id=lead_id)
    return list(
        LeadIdentity.objects.filter(lead_id=lead_id)
        .exclude(Q(link_source=LinkSource.SAME_IP_UA_WINDOW) & Exists(strong_elsewhere))
        .values_list("visitor_id", flat=True)
    )


def erasure_preview(*, email_normalized: str) -> dict[str, int]:
    """Rows an erasure of this address would remove (or anonymise), per table; the
    same labels as the ErasureReceipt, so the officer sees the same list twice."""
    lead = Lead.objects.filter(email_normalized=email_normalized).first()
    counts = dict.fromkeys(ERASURE_LABELS, 0)
    if lead is None:
        return counts
    visitor_ids = erasure_visitor_ids(lead_id=lead.pk)
    counts.update(
        {
            "leads.Lead": 1,
            # Identities of this lead, and those of other leads to the visitors going.
            "leads.LeadIdentity": LeadIdentity.objects.filter(Q(lead=lead) | Q(visitor_id__in=visitor_ids)).count(),
            "leads.FormSubmission": FormSubmission.objects.filter(lead=lead).count(),
            ANONYMISED_CONSENT_EVENTS: ConsentEvent.objects.filter(lead=lead).count(),
            "tracking.Visitor": len(visitor_ids),
            "tracking.Session": Session.objects.filter(visitor_id__in=visitor_ids).count(),
            "tracking.Event": Event.objects.filter(visitor_id__in=visitor_ids).count(),
            "admin.LogEntry": admin_log_entries_for(lead=lead, visitor_ids=visitor_ids).count(),
        }
    )
    return counts


def admin_log_entries_for(*, lead: Lead, visitor_ids: list[uuid.UUID]) -> QuerySet[LogEntry]:
    """Admin history lines naming this lead or its visitors (a lead's text is its email)."""
    return LogEntry.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Lead), object_id=str(lead.pk))
        | Q(content_type=ContentType.objects.get_for_model(Visitor), object_id__in=[str(v) for v in visitor_ids])
        | Q(object_repr__icontains=lead.email_normalized)
        | Q(change_message__icontains=lead.email_normalized)
    )


MAILABLE_CSV_HEADER = ("email", "consent_status", "consent_date", "consent_expires", "consent_source", "source_channel")


def mailable_leads_rows(*, today: date, leads: QuerySet[Lead] | None = None) -> list[tuple[str, ...]]:
    """The mailing export as CSV rows (header first): who may be mailed today, on
    what consent, since when, obtained how, and where the lead came from."""
    queryset = mailable_leads(today=today)
    if leads is not None:
        queryset = queryset.filter(pk__in=leads.values("pk"))
    rows = [MAILABLE_CSV_HEADER]
    for lead in queryset.only(
        "email_normalized", "consent_status", "consent_at", "consent_expires_at", "consent_source", "source_channel"
    ):
        rows.append(
            (
                lead.email_normalized,
                lead.consent_status,
                lead.consent_at.date().isoformat() if lead.consent_at else "",
                lead.consent_expires_at.date().isoformat() if lead.consent_expires_at else "",
                lead.consent_source,
                lead.source_channel,
            )
        )
    return rows
