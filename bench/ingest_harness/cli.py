"""Command line of the ingest benchmark: `.venv/bin/python bench/ingest.py [options]`."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from bench.ingest_harness import REPO, database
from bench.ingest_harness.load import ensure_wrk
from bench.ingest_harness.phases import PhaseResult, phases_for
from bench.ingest_harness.report import (
    DOC,
    machine_facts,
    phase_table,
    results_markdown,
    target_lines,
    variant_comparisons,
    write_doc,
)
from bench.ingest_harness.runner import BenchmarkRun
from bench.ingest_harness.targets import targets

COMMAND = ".venv/bin/python bench/ingest.py"
PHASE_KEYS = ["ceiling", "single", "batch"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description="Load benchmark of POST /v1/events under gunicorn, as production runs it. "
                    "Exit status 0 only when every target is met.",
    )
    parser.add_argument("--seconds", type=int, default=20, help="duration of each phase (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")),
                        help="gunicorn workers (default WEB_CONCURRENCY or 4)")
    parser.add_argument("--batch", type=int, default=20, help="events per request in the batch phase (default 20)")
    parser.add_argument("--phases", nargs="+", default=PHASE_KEYS, choices=PHASE_KEYS)
    parser.add_argument("--warmup", type=int, default=4, help="seconds of warm-up per endpoint (default 4)")
    parser.add_argument("--wait-idle", type=int, default=120,
                        help="before each phase, wait up to this many seconds for other processes to leave the CPU (default 120)")
    parser.add_argument("--retries-when-shared", type=int, default=0, metavar="N",
                        help="measure a phase again, up to N times, when other processes used more than a quarter "
                             "of a core during it (default 0; discarded attempts are reported)")
    parser.add_argument("--logging-cost", action="store_true",
                        help="also run the single-event phase with LOG_LEVEL=INFO")
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="also run the single-event phase with django-ratelimit switched off (RATELIMIT_ENABLE=False), "
                             "to measure what the PostgreSQL counter store costs")
    parser.add_argument("--low-concurrency", type=int, metavar="C", default=0,
                        help="also run the single-event phase with wrk -cC (e.g. 4), to show latency with less queueing")
    parser.add_argument("--profile", action="store_true",
                        help="after the measured phases, sample the workers with py-spy during the single and batch loads")
    parser.add_argument("--write", action="store_true",
                        help=f"rewrite the results block of {DOC.relative_to(REPO)}")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (wrk results, gunicorn logs, profiles)")
    parser.add_argument("--force", action="store_true", help="empty the tables of a DATABASE_URL holding other data")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= 50:
        parser.error("--batch must be between 1 and 50")
    if not 1 <= args.seconds <= 600:
        parser.error("--seconds must be between 1 and 600")
    if args.low_concurrency < 0 or args.retries_when_shared < 0:
        parser.error("--low-concurrency and --retries-when-shared cannot be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = f"{COMMAND} " + shlex.join(sys.argv[1:] if argv is None else argv)
    os.chdir(REPO)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks and exit hooks
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    run: BenchmarkRun | None = None
    try:
        print("database: starting/connecting and migrating...", flush=True)
        database.django_setup()
        database.migrate()
        database.database_guard(args.force)
        machine = machine_facts(wrk, database.database_facts())
        for name, value in machine.items():
            print(f"  {name}: {value}")
        run = BenchmarkRun(args=args, wrk=wrk, workdir=workdir, phases=phases_for(args))
        results: list[PhaseResult] = [run.measure(phase) for phase in run.phases]
        profiles = run.profile() if args.profile else {}
        if profiles:
            args.keep = True  # the summaries point at the raw stacks

        target_list = targets(results)
        print("", *phase_table(results), "", *target_lines(target_list), *variant_comparisons(results), sep="\n")
        if args.write:
            write_doc(results_markdown(args, command, machine, results, target_list, profiles))
            print(f"wrote {DOC.relative_to(REPO)}")
        return 0 if all(t.met for t in target_list) else 1
    finally:
        if run is not None:
            run.stop()
        try:
            database.close_connections()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
