"""Event ingest: the hot path behind POST /v1/events.

The number of statements is fixed per request, not per event: one upsert for the
visitors, one read of their current sessions, one write of sessions and events
(tests/tracking/test_ingest_queries.py holds this). The rules (which session an
event belongs to, entrances, traffic source) are decided here in Python; the SQL in
ingest_statements.py only reads and writes. Concurrent requests of the same visitor
serialize on the visitor row that the upsert locks, so they cannot both open a session.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction

from marketing.request_context import RequestContext
from marketing.traffic_source import classify_traffic_source
from tracking.models import EventType, Session
from tracking.services.ingest_statements import (
    EventRow,
    current_sessions_fetch,
    sessions_and_events_write,
    visitors_upsert,
)
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
        visitor_ids = visitors_upsert(anon_ids=list({event.anon_id for event in events}), context=context)
        _events_store(events=events, visitor_ids=visitor_ids, context=context)
    return IngestResult(accepted=len(events), rejected=sum(rejections.values()))


def _events_store(
    *, events: Sequence[EventInput], visitor_ids: dict[str, uuid.UUID], context: RequestContext
) -> None:
    current_sessions = current_sessions_fetch(visitor_ids=list(visitor_ids.values()))
    new_sessions: dict[uuid.UUID, Session] = {}
    continued_session_ids: set[uuid.UUID] = set()
    viewed_session_ids: set[uuid.UUID] = set()
    rows: list[EventRow] = []
    for event in events:
        visitor_id = visitor_ids[event.anon_id]
        key = (visitor_id, event.property_id)
        session = current_sessions.get(key)
        if session is None or not session_continues(session, at=context.received_at, utm=event.utm):
            session = _session_start(event=event, visitor_id=visitor_id, context=context)
            current_sessions[key] = new_sessions[session.pk] = session
        elif session.pk not in new_sessions:
            continued_session_ids.add(session.pk)
        # A request that waited on the visitor lock may carry an earlier receive time
        # than the session it continues; the session's end never moves back.
        session.ended_at = max(session.ended_at, context.received_at)
        is_page_view = event.event_type == EventType.PAGE_VIEW
        rows.append(
            EventRow(
                visitor_id=visitor_id,
                session_id=session.pk,
                event_id=event.event_id or uuid.uuid4(),
                event_type=event.event_type,
                path=event.path,
                client_ts=event.client_ts,
                property_id=event.property_id,
                traffic_source=session.traffic_source,
                is_entrance=is_page_view and not session.has_page_view,
                is_conversion=event.event_type == EventType.FORM_SUBMIT,
                props=event.props,
            )
        )
        if is_page_view:
            session.has_page_view = True
            if session.pk not in new_sessions:
                viewed_session_ids.add(session.pk)

    sessions_and_events_write(
        new_sessions=list(new_sessions.values()),
        continued_session_ids=list(continued_session_ids),
        viewed_session_ids=list(viewed_session_ids),
        events=rows,
        context=context,
    )


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
