"""Correctness: every stored row traced back to the request that sent it.

wrk's response() records, per request, the `accepted` count of each 202 (or -1
when refused); each eventId encodes the run, thread, request and index (see
bench/wrk/ingest.lua). A request answered 202 must have exactly its events stored,
a refused one none, and nothing else may be stored but the rows of requests still
in flight when wrk stopped.
"""

from __future__ import annotations

import uuid
from collections import Counter

from bench.ingest_harness.database import db_execute, db_value
from bench.ingest_harness.load import WrkOutput
from bench.ingest_harness.phases import CEILING_PATH, CheckOutcome, PhaseResult

RequestId = tuple[int, int]  # (wrk thread, request sequence number)


def request_key(event_id: uuid.UUID) -> tuple[int, int, int, int]:
    """(run, thread, request seq, index in request), as bench/wrk/ingest.lua encodes them."""
    digits = event_id.hex
    return int(digits[13:16], 16), int(digits[20:22], 16), int(digits[22:30], 16), int(digits[30:32], 16)


def verify(result: PhaseResult, output: WrkOutput) -> None:
    """Fill result.db_counts and result.checks from what the phase's table holds."""
    table = "ceiling_ceilingevent" if result.phase.path == CEILING_PATH else "tracking_event"
    epr = result.phase.events_per_request
    event_ids = [row[0] for row in db_execute(f"SELECT event_id FROM {table}")]
    stored: Counter[RequestId] = Counter()
    stragglers = 0
    for event_id in event_ids:
        run, thread, seq, _ = request_key(event_id)
        if run == output["run"]:
            stored[(thread, seq)] += 1
        else:
            stragglers += 1
    answered: dict[RequestId, int] = {}
    sent: dict[int, int] = {}
    for thread in output["threads"]:
        sent[thread["thread"]] = thread["sent"]
        for seq, accepted in thread["answered"].items():
            answered[(thread["thread"], int(seq))] = accepted

    accepted_202 = {key: n for key, n in answered.items() if n >= 0}
    refused = {key for key, n in answered.items() if n < 0}
    doubled_ids = len(event_ids) - len(set(event_ids))
    lost = sum(max(0, n - stored.get(key, 0)) for key, n in accepted_202.items())
    extra = sum(max(0, stored.get(key, 0) - n) for key, n in accepted_202.items())
    rows_of_answered = sum(min(stored.get(key, 0), n) for key, n in accepted_202.items())
    stored_by_refused = sum(stored.get(key, 0) for key in refused)
    unanswered = {key: count for key, count in stored.items() if key not in answered}
    unknown = sum(count for (thread, seq), count in unanswered.items() if seq > sent.get(thread, 0))
    in_flight_requests = sum(sent.values()) - sum(thread["responses"] for thread in output["threads"])
    unanswered_rows = sum(unanswered.values())

    result.db_counts = {"rows": len(event_ids), "stragglers": stragglers, "unanswered_rows": unanswered_rows,
                        "answered_rows": rows_of_answered, "lost": lost, "doubled": doubled_ids + extra,
                        "unanswered_requests": len(unanswered), "in_flight_at_stop": in_flight_requests}
    if table == "tracking_event":
        result.db_counts["visitors"] = db_value("SELECT count(*) FROM tracking_visitor")
        result.db_counts["sessions"] = db_value("SELECT count(*) FROM tracking_session")
        result.db_counts["rejected"] = db_value("SELECT coalesce(sum(count), 0) FROM tracking_ingestrejection")

    result.checks += [
        CheckOutcome(
            f"accepted events = 202 answers x {epr}",
            result.accepted_events == result.status_202 * epr and len(accepted_202) == result.status_202,
            f"{result.accepted_events:,} = {result.status_202:,} x {epr}",
        ),
        CheckOutcome(
            "rows of answered requests = events accepted",
            rows_of_answered == result.accepted_events,
            f"{rows_of_answered:,} rows, {result.accepted_events:,} accepted",
        ),
        CheckOutcome("zero lost", lost == 0, f"{lost} accepted events without a row"),
        CheckOutcome("zero doubled", doubled_ids == 0 and extra == 0,
                     f"{doubled_ids} duplicate eventIds, {extra} surplus rows"),
        CheckOutcome(
            "nothing stored for refused or unsent requests",
            stored_by_refused == 0 and unknown == 0,
            f"{stored_by_refused} rows of non-202 requests, {unknown} rows of requests never sent",
        ),
        CheckOutcome("no row of an earlier run (warm-up) after the TRUNCATE", stragglers == 0, f"{stragglers} rows"),
        CheckOutcome(
            "rows beyond that only from requests in flight at the stop",
            len(unanswered) <= max(in_flight_requests, 0) and unanswered_rows <= max(in_flight_requests, 0) * epr,
            f"{unanswered_rows} rows from {len(unanswered)} requests unanswered when wrk stopped "
            f"({in_flight_requests} in flight)",
        ),
    ]
    if table == "tracking_event":
        result.checks.append(CheckOutcome("no event rejected by validation", result.db_counts["rejected"] == 0,
                                          f"{result.db_counts['rejected']} rejections counted"))
