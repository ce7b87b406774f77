"""py-spy sampling of the gunicorn workers under load, summarised per part of the request path."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.ingest_harness.database import empty_tables
from bench.ingest_harness.load import LoadGenerator
from bench.ingest_harness.phases import Phase
from bench.ingest_harness.service import Gunicorn

SAMPLES_PER_S = 200

# Where a sampled stack belongs: the last (deepest) of these frames it passes through.
# The markers are function names of the ingest path as it is now (tracking/apis.py,
# tracking/services/ingest.py and ingest_statements.py); rename them with the code.
PROFILE_COMPONENTS = [
    ("Django handler + middleware", "WSGIHandler.__call__"),
    ("DRF dispatch", "APIView.dispatch"),
    ("view body (other)", "EventIngestApi.post"),
    ("body parsing (request.data)", "Request.data"),
    ("rate limit (django-ratelimit + counter SQL)", "rate_limit_enforce"),
    ("validation (DRF serializer)", "Serializer.run_validation"),
    ("request context (hashes, UA, geo)", "request_context_for"),
    ("events_ingest (other)", "events_ingest"),
    ("visitor upsert (SQL)", "visitors_upsert"),
    ("session rules, event rows (Python)", "_events_store"),
    ("current sessions select (SQL)", "current_sessions_fetch"),
    ("session start (Python, traffic source)", "_session_start"),
    ("sessions + events write (SQL)", "sessions_and_events_write"),
    ("COMMIT", "Atomic.__exit__"),
    ("response rendering", "APIView.finalize_response"),
    ("ceiling view", "ceiling_event"),
]
OUTSIDE_DJANGO = "gunicorn (HTTP parsing, socket I/O)"
# Leaf frames that are psycopg sending a statement or waiting for its answer.
DATABASE_LEAVES = ("ClientCursorMixin._execute_send", "Connection.wait", "BaseConnection._exec_command")


def py_spy_path() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return found if Path(found).exists() else None


def profile_phase(*, load: LoadGenerator, server: Gunicorn, phase: Phase, seconds: int, workdir: Path) -> Path | None:
    """Sample every worker with py-spy while wrk loads phase's endpoint; the raw stacks' path."""
    py_spy = py_spy_path()
    if py_spy is None:
        print("  py-spy not found: .venv/bin/pip install py-spy", flush=True)
        return None
    output = workdir / f"profile-{phase.key}.txt"
    empty_tables()
    recorder = subprocess.Popen(
        [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--rate", str(SAMPLES_PER_S),
         "--duration", str(max(seconds - 2, 3)), "--format", "raw", "--nonblocking", "-o", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(1.0)  # py-spy attaches to every worker before the load starts
    load.run(phase, seconds=seconds, result_file=workdir / "profile-wrk.json")
    try:
        recorder.wait(timeout=60)
    except subprocess.TimeoutExpired:
        recorder.kill()
        recorder.wait()
    if not output.exists():
        print(f"  py-spy wrote nothing: {recorder.stderr.read() if recorder.stderr else ''}", flush=True)
        return None
    return output


def summarize_profile(path: Path) -> str:
    """Share of the workers' busy samples per part of the request path (py-spy raw
    format; idle workers are not sampled), and how much of it is psycopg talking to
    PostgreSQL (a round trip: on a saturated 2-core box, mostly waiting to be scheduled)."""
    shares: Counter[str] = Counter()
    database: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        if not any("handle_request" in frame for frame in frames):
            continue  # the arbiter, and workers waiting in accept()
        count = int(count_text)
        total += count
        component = OUTSIDE_DJANGO
        for frame in frames:
            for name, marker in PROFILE_COMPONENTS:
                if frame.startswith(marker + " "):
                    component = name
        shares[component] += count
        if frames[-1].startswith(DATABASE_LEAVES):
            database[component] += count
    if not total:
        return "(no samples)"
    lines = [f"{total} busy samples; share per part of the request path (of which: psycopg round trips):"]
    lines += [
        f"  {100 * n / total:5.1f}%  {name:44s} ({100 * database[name] / total:4.1f}%)"
        for name, n in shares.most_common()
    ]
    lines.append(f"  round trips to PostgreSQL in all: {100 * sum(database.values()) / total:.1f}%")
    return "\n".join(lines)
