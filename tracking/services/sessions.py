"""Session rules (SPEC §1): a visit continues while events arrive less than
SESSION_TIMEOUT_MINUTES apart and the campaign does not change."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tracking.models import Session

UTM_KEYS = ("source", "medium", "campaign", "term", "content")


def session_timeout() -> timedelta:
    return timedelta(minutes=settings.SESSION_TIMEOUT_MINUTES)


def session_continues(session: Session, *, at: datetime, utm: dict[str, str]) -> bool:
    if at - session.ended_at >= session_timeout():
        return False
    # An event without UTM parameters (an internal click, a beacon) stays in the
    # visit; arriving through a different campaign link starts a new one.
    if any(utm.get(key) for key in UTM_KEYS):
        return all(utm.get(key, "") == session.utm[key] for key in UTM_KEYS)
    return True


def sessions_settle_exits(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Mark the last page_view of every ended session as its exit; returns sessions settled.

    A session has ended once no event can extend it any more (its last activity is
    older than the timeout). Each batch claims its sessions with UPDATE ... SKIP
    LOCKED, so the rollup job and a hand-run command never settle the same rows.
    """
    now = now or timezone.now()
    cutoff = now - session_timeout()
    settled = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                WITH claimed AS (
                    UPDATE tracking_session SET exit_settled_at = %(now)s
                    WHERE id IN (
                        SELECT id FROM tracking_session
                        WHERE exit_settled_at IS NULL AND ended_at < %(cutoff)s
                        ORDER BY ended_at LIMIT %(batch_size)s
                        FOR UPDATE SKIP LOCKED
                    )
                    RETURNING id
                ), last_page_views AS (
                    SELECT DISTINCT ON (event.session_id) event.id
                    FROM tracking_event AS event JOIN claimed ON claimed.id = event.session_id
                    WHERE event.event_type = 'page_view'
                    ORDER BY event.session_id, event.occurred_at DESC, event.id DESC
                ), marked AS (
                    UPDATE tracking_event SET is_exit = true
                    WHERE id IN (SELECT id FROM last_page_views) AND NOT is_exit
                )
                SELECT count(*) FROM claimed
                """,
                {"now": now, "cutoff": cutoff, "batch_size": batch_size},
            )
            claimed = cursor.fetchone()[0]
        settled += claimed
        if claimed < batch_size:
            return settled
