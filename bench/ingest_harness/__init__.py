"""The load benchmark of POST /v1/events behind `bench/ingest.py`.

What a run does, in order:

1. Database: DATABASE_URL when set (refused if it holds data the bench did not
   write, unless --force), else the project's embedded PostgreSQL in its own data
   folder, .pgdata/bench (started here, stopped when the run exits). Migrates with
   bench.settings (= config.settings + the ceiling app).
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
   and, on request, variants of the single phase: at LOG_LEVEL=INFO, with
   django-ratelimit switched off, at a lower concurrency.
4. Checks every phase against the database, request by request: each request
   answered 202 has exactly its events stored (none lost, none doubled), nothing
   else was stored except by requests still in flight when wrk stopped.
5. Prints the targets and, with --write, rewrites its results block in
   docs/benchmarks.md.

Modules, in the order a run uses them:

    cli.py          command line, main()
    runner.py       one benchmark run: boots servers, measures phases, profiles
    phases.py       what a phase is and what it measured
    database.py     the bench database: setup, migrate, guard, emptying, facts
    service.py      gunicorn under test: start, stop, drain
    load.py         wrk: install, run, parse its results
    cpu_meter.py    CPU used by processes outside the bench (a shared box)
    correctness.py  every stored row traced back to the request that sent it
    profiling.py    py-spy sampling of the workers, summarised per request part
    targets.py      the targets and the yardstick they are measured against
    report.py       tables for the terminal and the results block of the doc

Everything it starts (gunicorn, wrk, py-spy, the embedded PostgreSQL) is stopped
before it returns, and it only ever sends traffic to 127.0.0.1.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
