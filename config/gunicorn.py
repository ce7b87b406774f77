"""Gunicorn settings for production (Fly.io) and for bench/ingest.py.

    gunicorn -c config/gunicorn.py config.wsgi:application

Every value comes from the environment so one file serves Fly, Docker and the
benchmark; a command-line flag (e.g. `--bind 127.0.0.1:18080`) still overrides it.
"""

import os

# Fly.io sends traffic to `internal_port` on every interface of the machine.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8080')}"

# Sync workers: the ingest view is short, CPU-bound Python plus a few SQL statements,
# so one request per process is the simplest model that scales with cores. The Fly
# proxy (or any load balancer) in front absorbs slow clients, which is what makes
# sync workers safe to expose.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))

# Each worker imports Django itself and opens its own database connection: nothing
# is shared across the fork (psycopg connections must not be), and a new release
# reloads cleanly.
preload_app = False

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (deploy, scale-down) finish the requests in flight, then exit.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))

# No access log: it would carry client IPs. marketing.middleware.RequestLogMiddleware
# writes one JSON line per request (id, path, status, duration) without them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Workers' heartbeat files on tmpfs: a container's overlay filesystem can stall
# the heartbeat and get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Warm each worker up before it accepts its first request.

    Without this the first visitor a new worker serves pays for importing every view
    (the URLconf is loaded lazily) and for loading the User-Agent parser's tables
    (about 1.7 s, marketing/devices.py). Then the objects that live as long as the
    process are frozen out of the garbage collector: the parser's tables made each
    full collection take ~70 ms, a pause that landed on whichever request was running
    (measured in docs/benchmarks.md). GUNICORN_WARM_UP=0 turns both off.
    """
    if os.environ.get("GUNICORN_WARM_UP", "1") == "0":
        return
    import gc

    try:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports every view module
        from marketing.devices import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - a slow first request beats a worker that will not boot
        worker.log.exception("worker warm-up failed; its first requests will be slow")
    gc.collect()
    gc.freeze()
