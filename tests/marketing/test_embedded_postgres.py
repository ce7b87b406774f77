"""The PostgreSQL a new user gets without DATABASE_URL: started once, shared by later
processes, stopped by the last one out, and keeping its data across restarts."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

HOLD_SERVER = """
import sys, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS kept (note text)")
    cursor.execute("INSERT INTO kept VALUES ('survives')")
print("ready", flush=True)
sys.stdin.readline()
"""

READ_NOTES = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT note FROM kept")
    print(",".join(row[0] for row in cursor.fetchall()))
"""


def _python(code: str, data_dir: Path, **kwargs) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        {"EMBEDDED_POSTGRES_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "ERROR"}
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kwargs,
    )


def _wait_until_stopped(data_dir: Path, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not (data_dir / "postmaster.pid").exists():
            return True
        time.sleep(0.2)
    return False


def test_a_second_process_shares_the_server_and_the_last_one_out_stops_it(tmp_path):
    data_dir = tmp_path / "pgdata"
    holder = _python(HOLD_SERVER, data_dir)
    try:
        assert holder.stdout.readline().strip() == "ready"
    except AssertionError:
        holder.kill()
        raise

    second = _python(READ_NOTES, data_dir)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0
    assert out.strip() == "survives"
    assert (data_dir / "postmaster.pid").exists(), "the second process stopped the server under the first"

    holder.communicate("\n", timeout=60)
    assert _wait_until_stopped(data_dir), "the server outlived its last user"

    restarted = _python(READ_NOTES, data_dir)
    out, _ = restarted.communicate(timeout=60)
    assert restarted.returncode == 0
    assert out.strip() == "survives"
    assert _wait_until_stopped(data_dir)
