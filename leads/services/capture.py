"""Lead capture: the one service behind POST /v1/leads/capture, for both callers
(fetch with JSON, and the plain HTML form post without JavaScript).

Order matters: the honeypot is checked first, so a bot learns nothing (same success
answer, no Turnstile call, nothing stored); Turnstile is asked before the database
transaction opens, so a slow Cloudflare never holds a lead row lock; everything that
is written for one capture (lead, identities, submission, consent event, the
form_submit tracking event) commits or rolls back together, so the conversion
metrics and the lead table always agree.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from compliance.services import abuse_log_record
from leads.models import FormSubmission, Lead, ValidationStatus
from leads.services.consent import consent_on_capture
from leads.services.emails import NormalizedEmail, email_normalize
from leads.services.identities import identities_link_heuristic, identity_link_strong
from leads.services.turnstile import TurnstileFailed, turnstile_required, turnstile_verify
from marketing.hashing import pepper_hash
from marketing.request_context import RequestContext
from marketing.traffic_source import classify_traffic_source
from tracking.models import EventType, Session, TrafficSource, Visitor
from tracking.services import EventInput, events_ingest, ingest_rejections_record

CAPTURE_PATH = "/v1/leads/capture"
DEFAULT_FORM_NAME = "default"


@dataclass(frozen=True, slots=True)
class CaptureInput:
    email: object  # as received; email_normalize refuses anything but a valid address
    # How the capture arrived, recorded with the consent: "api" (fetch) or "form".
    source: str
    anon_id: str = ""
    form_name: str = DEFAULT_FORM_NAME
    express_consent: bool = False
    purpose: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    utm: Mapping[str, str] = field(default_factory=dict)
    path: str = "/"
    event_id: uuid.UUID | None = None
    property_id: str = "default"
    honeypot: str = ""
    turnstile_token: str = ""


@dataclass(frozen=True, slots=True)
class CaptureResult:
    # False when the honeypot caught a bot. Callers answer the same either way.
    stored: bool
    lead_id: uuid.UUID | None = None


def lead_capture(*, capture: CaptureInput, context: RequestContext) -> CaptureResult:
    if capture.honeypot.strip():
        _capture_reject(reason="lead_honeypot", context=context)
        return CaptureResult(stored=False)
    if turnstile_required():
        try:
            turnstile_verify(token=capture.turnstile_token, remote_ip=context.client_ip)
        except TurnstileFailed:
            _capture_reject(reason="lead_turnstile_failed", context=context)
            raise
    email = email_normalize(capture.email)
    lead = _lead_store(capture=capture, email=email, context=context)
    return CaptureResult(stored=True, lead_id=lead.pk)


@transaction.atomic
def _lead_store(*, capture: CaptureInput, email: NormalizedEmail, context: RequestContext) -> Lead:
    at = context.received_at
    lead, created = _lead_lock_or_create(email=email, context=context)
    visitor_id, session_id = None, None
    if capture.anon_id:
        visitor_id, session_id = _form_submit_record(capture=capture, context=context)
        identity_link_strong(lead=lead, visitor_id=visitor_id, at=at)
    identities_link_heuristic(lead=lead, exclude_visitor_id=visitor_id, context=context)

    if created:
        lead.source_channel = _source_channel_for(visitor_id=visitor_id, capture=capture, context=context)
    lead.last_captured_at = max(lead.last_captured_at, at)
    lead.save(update_fields=["source_channel", "last_captured_at"])
    consent_on_capture(
        lead=lead,
        express=capture.express_consent,
        purpose=capture.purpose.strip() or settings.LEAD_CONSENT_PURPOSE,
        source=capture.source,
        ip_hash=context.ip_hash,
        at=at,
    )
    payload, complete = _declared_fields(form_name=capture.form_name, fields=capture.fields)
    FormSubmission.objects.create(
        lead=lead,
        visitor_id=visitor_id,
        session_id=session_id,
        form_name=capture.form_name,
        payload=payload,
        submitted_at=at,
        validation_status=ValidationStatus.VALID if complete else ValidationStatus.FILTERED,
    )
    return lead


def _lead_lock_or_create(*, email: NormalizedEmail, context: RequestContext) -> tuple[Lead, bool]:
    """The lead row for this address, locked for the rest of the transaction.

    Two first captures of one address can race: INSERT … ON CONFLICT DO NOTHING lets
    exactly one create the row, and both then lock and update that same row.
    """
    lead = Lead.objects.select_for_update().filter(email_normalized=email.address).first()
    if lead is not None:
        return lead, False
    candidate = Lead(
        email_normalized=email.address,
        email_domain=email.domain,
        email_hash=pepper_hash(email.address),
        first_captured_at=context.received_at,
        last_captured_at=context.received_at,
    )
    Lead.objects.bulk_create([candidate], ignore_conflicts=True)
    lead = Lead.objects.select_for_update().get(email_normalized=email.address)
    return lead, lead.pk == candidate.pk


def _form_submit_record(*, capture: CaptureInput, context: RequestContext) -> tuple[uuid.UUID, uuid.UUID | None]:
    """Record the conversion event for the visitor (creating the visitor when this
    anonId is new to us: the tracker may not have sent a beacon yet, and the form
    post is itself evidence of that browser). Returns the visitor and its session."""
    events_ingest(
        events=[
            EventInput(
                anon_id=capture.anon_id,
                event_type=EventType.FORM_SUBMIT,
                path=capture.path,
                event_id=capture.event_id,
                utm=dict(capture.utm),
                property_id=capture.property_id,
                props={"formName": capture.form_name},
            )
        ],
        rejections={},
        context=context,
    )
    visitor_id = Visitor.objects.values_list("pk", flat=True).get(anon_id=capture.anon_id)
    session_id = (
        Session.objects.filter(visitor_id=visitor_id, property_id=capture.property_id)
        .order_by("-ended_at")
        .values_list("pk", flat=True)
        .first()
    )
    return visitor_id, session_id


def _source_channel_for(*, visitor_id: uuid.UUID | None, capture: CaptureInput, context: RequestContext) -> str:
    """First touch: the channel of the visitor's first session; without a visitor,
    the capture's own UTM tags; otherwise unknown (a no-JS post's referrer is our own
    page and says nothing about how the person found us)."""
    if visitor_id is not None:
        first = Session.objects.filter(visitor_id=visitor_id).order_by("started_at").values_list("traffic_source", flat=True).first()
        if first:
            return first
    if any(capture.utm.values()):
        return classify_traffic_source(
            referrer=None,
            utm_source=capture.utm.get("source", ""),
            utm_medium=capture.utm.get("medium", ""),
            utm_campaign=capture.utm.get("campaign", ""),
            site_hosts=context.site_hosts,
        )
    return TrafficSource.UNKNOWN


def _declared_fields(*, form_name: str, fields: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """Keep only the fields this form declares (PIPEDA 4.4, limiting collection);
    returns them and whether nothing was dropped."""
    declared_by_form = settings.LEAD_FORM_FIELDS
    declared = set(declared_by_form.get(form_name, declared_by_form.get(DEFAULT_FORM_NAME, [])))
    kept = {name: value for name, value in fields.items() if name in declared and value not in ("", None)}
    dropped = any(name not in declared for name in fields)
    return kept, not dropped


@transaction.atomic
def _capture_reject(*, reason: str, context: RequestContext) -> None:
    """Count a refused capture with the ingest rejections (reason `lead_*`) and note
    the raw IP in the short-lived abuse log (compliance decides whether to keep it)."""
    ingest_rejections_record(counts={reason: 1}, day=context.received_at.date())
    abuse_log_record(ip=context.client_ip, reason=reason, path=CAPTURE_PATH)
