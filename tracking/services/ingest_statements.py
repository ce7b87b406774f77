"""The SQL of the ingest hot path, one function per statement.

Raw SQL because the ORM cannot say these in one statement each: an upsert that
returns the id of an existing row, and a write of new sessions, continued sessions
and events together (a writable CTE). Every statement takes arrays, so its cost does
not depend on how many events a request carries.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from marketing.ids import uuid7
from marketing.request_context import RequestContext
from tracking.models import Session

_SESSION_FIELDS = (
    "id", "visitor_id", "property_id", "started_at", "ended_at", "landing_path", "referrer", "utm_source",
    "utm_medium", "utm_campaign", "utm_term", "utm_content", "traffic_source", "has_page_view", "exit_settled_at",
)


@dataclass(frozen=True, slots=True)
class EventRow:
    visitor_id: uuid.UUID
    session_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    path: str
    client_ts: datetime | None
    property_id: str
    traffic_source: str
    is_entrance: bool
    is_conversion: bool
    props: dict


def visitors_upsert(*, anon_ids: Sequence[str], context: RequestContext) -> dict[str, uuid.UUID]:
    """Create or touch visitors; returns their ids by anonId, new or existing.

    The upsert locks each visitor row until commit, so concurrent requests of one
    visitor queue here and each then reads the sessions the other committed. Rows
    are taken in anonId order so two batches cannot deadlock.
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


def current_sessions_fetch(*, visitor_ids: Sequence[uuid.UUID]) -> dict[tuple[uuid.UUID, str], Session]:
    """The latest session of each visitor on each property (session_visitor_latest_idx)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT ON (visitor_id, property_id) {', '.join(_SESSION_FIELDS)} FROM tracking_session "
            "WHERE visitor_id = ANY(%s::uuid[]) ORDER BY visitor_id, property_id, ended_at DESC",
            [list(visitor_ids)],
        )
        sessions = [Session.from_db(connection.alias, _SESSION_FIELDS, row) for row in cursor.fetchall()]
    return {(session.visitor_id, session.property_id): session for session in sessions}


def sessions_and_events_write(
    *,
    new_sessions: Sequence[Session],
    continued_session_ids: Sequence[uuid.UUID],
    viewed_session_ids: Sequence[uuid.UUID],
    events: Sequence[EventRow],
    context: RequestContext,
) -> None:
    """Insert new sessions, extend continued ones and insert the events, in one statement.

    Foreign keys from the events to sessions inserted by the same statement hold:
    PostgreSQL checks them after the whole statement. A retried beacon (same visitor
    and eventId) hits the unique constraint and is skipped.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH new_sessions AS (
                INSERT INTO tracking_session (
                    id, visitor_id, property_id, started_at, ended_at, landing_path, referrer,
                    utm_source, utm_medium, utm_campaign, utm_term, utm_content, traffic_source, has_page_view
                )
                SELECT id, visitor_id, property_id, %(at)s, %(at)s, landing_path, referrer,
                       utm_source, utm_medium, utm_campaign, utm_term, utm_content, traffic_source, has_page_view
                FROM unnest(
                    %(s_id)s::uuid[], %(s_visitor)s::uuid[], %(s_property)s::text[], %(s_landing)s::text[],
                    %(s_referrer)s::text[], %(s_utm_source)s::text[], %(s_utm_medium)s::text[],
                    %(s_utm_campaign)s::text[], %(s_utm_term)s::text[], %(s_utm_content)s::text[],
                    %(s_source)s::text[], %(s_viewed)s::bool[]
                ) AS s(id, visitor_id, property_id, landing_path, referrer, utm_source, utm_medium,
                       utm_campaign, utm_term, utm_content, traffic_source, has_page_view)
            ), continued_sessions AS (
                UPDATE tracking_session
                SET ended_at = GREATEST(ended_at, %(at)s),
                    has_page_view = has_page_view OR id = ANY(%(viewed)s::uuid[])
                WHERE id = ANY(%(continued)s::uuid[])
            )
            INSERT INTO tracking_event (
                id, visitor_id, session_id, event_id, event_type, path, occurred_at, client_ts,
                ip_hash, ua_hash, property_id, traffic_source, device_type, country_code,
                is_entrance, is_exit, is_conversion, props
            )
            SELECT id, visitor_id, session_id, event_id, event_type, path, %(at)s, client_ts,
                   %(ip_hash)s, %(ua_hash)s, property_id, traffic_source, %(device_type)s, %(country_code)s,
                   is_entrance, false, is_conversion, props::jsonb
            FROM unnest(
                %(e_id)s::uuid[], %(e_visitor)s::uuid[], %(e_session)s::uuid[], %(e_event_id)s::uuid[],
                %(e_type)s::text[], %(e_path)s::text[], %(e_client_ts)s::timestamptz[], %(e_property)s::text[],
                %(e_source)s::text[], %(e_entrance)s::bool[], %(e_conversion)s::bool[], %(e_props)s::text[]
            ) AS e(id, visitor_id, session_id, event_id, event_type, path, client_ts, property_id,
                   traffic_source, is_entrance, is_conversion, props)
            ON CONFLICT (visitor_id, event_id) DO NOTHING
            """,
            {
                "at": context.received_at,
                "ip_hash": context.ip_hash,
                "ua_hash": context.ua_hash,
                "device_type": context.device_type,
                "country_code": context.country_code,
                "s_id": [session.id for session in new_sessions],
                "s_visitor": [session.visitor_id for session in new_sessions],
                "s_property": [session.property_id for session in new_sessions],
                "s_landing": [session.landing_path for session in new_sessions],
                "s_referrer": [session.referrer for session in new_sessions],
                "s_utm_source": [session.utm_source for session in new_sessions],
                "s_utm_medium": [session.utm_medium for session in new_sessions],
                "s_utm_campaign": [session.utm_campaign for session in new_sessions],
                "s_utm_term": [session.utm_term for session in new_sessions],
                "s_utm_content": [session.utm_content for session in new_sessions],
                "s_source": [session.traffic_source for session in new_sessions],
                "s_viewed": [session.has_page_view for session in new_sessions],
                "continued": list(continued_session_ids),
                "viewed": list(viewed_session_ids),
                "e_id": [uuid7() for _ in events],
                "e_visitor": [event.visitor_id for event in events],
                "e_session": [event.session_id for event in events],
                "e_event_id": [event.event_id for event in events],
                "e_type": [event.event_type for event in events],
                "e_path": [event.path for event in events],
                "e_client_ts": [event.client_ts for event in events],
                "e_property": [event.property_id for event in events],
                "e_source": [event.traffic_source for event in events],
                "e_entrance": [event.is_entrance for event in events],
                "e_conversion": [event.is_conversion for event in events],
                "e_props": [json.dumps(event.props, separators=(",", ":")) for event in events],
            },
        )

