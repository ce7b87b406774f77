"""Which visitors (browsers) belong to a lead (SPEC §3, identity stitching).

Links are evidence, never merges: a visitor can be linked to several leads when there
is evidence for each (a shared family computer), but two leads are never folded into
one row, whatever the visitors say. Strong evidence (the person typed their email in
this browser: `form_submit`, 1.0) upgrades a weak link; weak evidence never
downgrades a strong one.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from leads.models import Lead, LeadIdentity, LinkSource
from marketing.request_context import RequestContext
from tracking.models import DeviceType, Visitor

STRONG_LINK_SOURCES = (LinkSource.FORM_SUBMIT, LinkSource.MANUAL_MERGE)
STRONG_CONFIDENCE = 1.0
# The most a same-IP-and-browser guess is worth; shared by several candidates, less.
HEURISTIC_MAX_CONFIDENCE = 0.5


def identity_link_strong(*, lead: Lead, visitor_id, at: datetime, link_source: str = LinkSource.FORM_SUBMIT) -> None:
    identity = LeadIdentity.objects.filter(lead=lead, visitor_id=visitor_id).first()
    if identity is None:
        LeadIdentity.objects.create(
            lead=lead, visitor_id=visitor_id, link_source=link_source, confidence=STRONG_CONFIDENCE, linked_at=at
        )
    elif identity.confidence < STRONG_CONFIDENCE:
        identity.link_source, identity.confidence, identity.linked_at = link_source, STRONG_CONFIDENCE, at
        identity.save(update_fields=["link_source", "confidence", "linked_at"])


def identities_link_heuristic(*, lead: Lead, exclude_visitor_id, context: RequestContext) -> int:
    """Weak links to other visitors seen behind the same IP hash + User-Agent hash in
    the last LEAD_STITCHING_WINDOW_MINUTES; returns how many were linked.

    Skipped are: bots; visitors already linked to this lead (no downgrade); visitors
    strongly linked to another lead (strong evidence says that browser is someone
    else's); and the whole guess when more than LEAD_STITCHING_MAX_CANDIDATES match,
    which is what an office or campus NAT with one standard browser looks like.
    """
    if not settings.LEAD_STITCHING_ENABLED or context.device_type == DeviceType.BOT:
        return 0
    since = context.received_at - timedelta(minutes=settings.LEAD_STITCHING_WINDOW_MINUTES)
    limit = settings.LEAD_STITCHING_MAX_CANDIDATES
    # Served by visitor_ip_ua_seen_idx (last_ip_hash, last_ua_hash, last_seen_at).
    candidates = list(
        Visitor.objects.filter(last_ip_hash=context.ip_hash, last_ua_hash=context.ua_hash, last_seen_at__gte=since)
        .exclude(pk=exclude_visitor_id)
        .exclude(Exists(LeadIdentity.objects.filter(visitor=OuterRef("pk"), lead=lead)))
        .exclude(
            Exists(
                LeadIdentity.objects.filter(visitor=OuterRef("pk"), link_source__in=STRONG_LINK_SOURCES).exclude(lead=lead)
            )
        )
        .order_by("-last_seen_at")
        .values_list("pk", flat=True)[: limit + 1]
    )
    if not candidates or len(candidates) > limit:
        return 0
    confidence = round(HEURISTIC_MAX_CONFIDENCE / len(candidates), 3)
    created = LeadIdentity.objects.bulk_create(
        [
            LeadIdentity(
                lead=lead,
                visitor_id=visitor_id,
                link_source=LinkSource.SAME_IP_UA_WINDOW,
                confidence=confidence,
                linked_at=context.received_at,
            )
            for visitor_id in candidates
        ],
        ignore_conflicts=True,
    )
    return len(created)
