from tracking.services.ingest import EventInput, IngestResult, events_ingest, ingest_rejections_record
from tracking.services.sessions import session_continues, sessions_settle_exits

__all__ = [
    "EventInput",
    "IngestResult",
    "events_ingest",
    "ingest_rejections_record",
    "session_continues",
    "sessions_settle_exits",
]
