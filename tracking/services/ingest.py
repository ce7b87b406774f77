"""Event ingest: the hot path behind POST /v1/events.

The number of statements is fixed per request, not per event: one upsert for the
visitors, one read of their current sessions, one insert of new sessions, one update
of continued ones, one insert of the events (tests/tracking/test_ingest_queries.py
holds this). Concurrent requests of the same visitor serialize on the visitor row
that the upsert locks, so they cannot both open a session.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction

from marketing.request_context import RequestContext
from marketing.traffic_source import classify_traffic_source
from tracking.models import Event, EventType, Session
from tracking.services.sessions import session_continues


@dataclass(frozen=True, slots=True)
class EventInput:
    anon_id: str
    event_type: str
    path: str
    event_id: uuid.UUID | None = None
    client_ts: datetime | None = None
    referrer: str = ""
    utm: dict[str, str] = field(default_factory=dict)
    property_id: str = "default"
    props: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    rejected: int


@transaction.atomic
def events_ingest(
    *, events: Sequence[EventInput], rejections: Mapping[str, int], context: RequestContext
) -> IngestResult:
    if rejections:
        ingest_rejections_record(counts=rejections, day=context.received_at.date())
    if events:
        visitor_ids = _visitors_upsert(anon_ids={event.anon_id for event in events}, context=context)
        _events_store(events=events, visitor_ids=visitor_ids, context=context)
    return IngestResult(accepted=len(events), rejected=sum(rejections.values()))


def _visitors_upsert(*, anon_ids: set[str], context: RequestContext) -> dict[str, uuid.UUID]:
    """Create or touch the visitors in one statement; returns their ids by anonId.

    Raw SQL because the ORM's bulk upsert does not return the id of a row that
    already existed. Rows are upserted in anonId order, so two batches naming the
    same visitors lock them in the same order and cannot deadlock.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tracking_visitor AS visitor (
                id, anon_id, first_seen_at, last_seen_at,
                first_ip_hash, last_ip_hash, first_ua_hash, last_ua_hash
            )
            SELECT gen_random_uuid(), anon_id, %(at)s, %(at)s, %(ip_hash)s, %(ip_hash)s, %(ua_hash)s, %(ua_hash)s
            FROM unnest(%(anon_ids)s::text[]) AS anon_id
            ORDER BY anon_id
            ON CONFLICT (anon_id) DO UPDATE SET
                last_seen_at = GREATEST(visitor.last_seen_at, EXCLUDED.last_seen_at),
                last_ip_hash = EXCLUDED.last_ip_hash,
                last_ua_hash = EXCLUDED.last_ua_hash
            RETURNING anon_id, id
            """,
            {
                "at": context.received_at,
                "ip_hash": context.ip_hash,
                "ua_hash": context.ua_hash,
                "anon_ids": sorted(anon_ids),
            },
        )
        return dict(cursor.fetchall())


def _events_store(
    *, events: Sequence[EventInput], visitor_ids: dict[str, uuid.UUID], context: RequestContext
) -> None:
    current_sessions: dict[tuple[uuid.UUID, str], Session] = {
        (session.visitor_id, session.property_id): session
        for session in Session.objects.filter(visitor_id__in=visitor_ids.values())
        .order_by("visitor_id", "property_id", "-ended_at")
        .distinct("visitor_id", "property_id")
    }
    new_sessions: dict[uuid.UUID, Session] = {}
    continued_sessions: dict[uuid.UUID, Session] = {}
    rows = []
    for event in events:
        visitor_id = visitor_ids[event.anon_id]
        key = (visitor_id, event.property_id)
        session = current_sessions.get(key)
        if session is None or not session_continues(session, at=context.received_at, utm=event.utm):
            session = _session_start(event=event, visitor_id=visitor_id, context=context)
            current_sessions[key] = new_sessions[session.pk] = session
        elif session.pk not in new_sessions:
            continued_sessions[session.pk] = session
        # Two requests of one visitor can commit in the other order than they were
        # received (the later one waits on the visitor row lock): never move back.
        session.ended_at = max(session.ended_at, context.received_at)
        is_page_view = event.event_type == EventType.PAGE_VIEW
        rows.append(
            Event(
                visitor_id=visitor_id,
                session_id=session.pk,
                event_id=event.event_id or uuid.uuid4(),
                event_type=event.event_type,
                path=event.path,
                occurred_at=context.received_at,
                client_ts=event.client_ts,
                ip_hash=context.ip_hash,
                ua_hash=context.ua_hash,
                property_id=event.property_id,
                traffic_source=session.traffic_source,
                device_type=context.device_type,
                country_code=context.country_code,
                is_entrance=is_page_view and not session.has_page_view,
                is_conversion=event.event_type == EventType.FORM_SUBMIT,
                props=event.props,
            )
        )
        session.has_page_view = session.has_page_view or is_page_view

    if new_sessions:
        Session.objects.bulk_create(new_sessions.values())
    if len(continued_sessions) == 1:
        (session,) = continued_sessions.values()
        Session.objects.filter(pk=session.pk).update(ended_at=session.ended_at, has_page_view=session.has_page_view)
    elif continued_sessions:
        Session.objects.bulk_update(continued_sessions.values(), ["ended_at", "has_page_view"])
    # A retried beacon (same visitor + eventId) hits the unique constraint and is
    # skipped: stored once, still answered as accepted so the client stops retrying.
    Event.objects.bulk_create(rows, ignore_conflicts=True)


def _session_start(*, event: EventInput, visitor_id: uuid.UUID, context: RequestContext) -> Session:
    utm = event.utm
    return Session(
        visitor_id=visitor_id,
        property_id=event.property_id,
        started_at=context.received_at,
        ended_at=context.received_at,
        landing_path=event.path,
        referrer=event.referrer,
        utm_source=utm.get("source", ""),
        utm_medium=utm.get("medium", ""),
        utm_campaign=utm.get("campaign", ""),
        utm_term=utm.get("term", ""),
        utm_content=utm.get("content", ""),
        traffic_source=classify_traffic_source(
            referrer=event.referrer or None,
            utm_source=utm.get("source", ""),
            utm_medium=utm.get("medium", ""),
            utm_campaign=utm.get("campaign", ""),
            site_hosts=context.site_hosts,
        ),
    )


def ingest_rejections_record(*, counts: Mapping[str, int], day: date) -> None:
    """Add to the per-day, per-reason rejection counters in one statement."""
    reasons = sorted(counts)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracking_ingestrejection (day, reason, count) "
            "SELECT %s, reason, n FROM unnest(%s::text[], %s::int[]) AS r(reason, n) "
            "ON CONFLICT (day, reason) DO UPDATE "
            "SET count = tracking_ingestrejection.count + EXCLUDED.count",
            [day, reasons, [counts[reason] for reason in reasons]],
        )
