"""django-q2 task functions for tracking; the rollup schedule calls these."""

from tracking.services import sessions_settle_exits


def settle_session_exits() -> int:
    return sessions_settle_exits()
