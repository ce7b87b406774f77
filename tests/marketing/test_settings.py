"""With DEBUG off, the service refuses to start without real secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REAL_SECRET = "s" * 40
REAL_PEPPER = "p" * 40


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    child_env = {
        key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "IP_HASH_PEPPER", "DEBUG"}
    }
    # A URL is given so that the check runs without starting any database.
    child_env.update({"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", **env})
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=REPO, env=child_env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"IP_HASH_PEPPER": REAL_PEPPER}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL_SECRET}, "IP_HASH_PEPPER"),
        ({"SECRET_KEY": "changeme", "IP_HASH_PEPPER": REAL_PEPPER}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL_SECRET, "IP_HASH_PEPPER": "dev-only-pepper-never-use-in-production"}, "IP_HASH_PEPPER"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret(env, named):
    result = _import_settings(DEBUG="0", **env)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line and named in last_line


def test_production_starts_with_real_secrets():
    result = _import_settings(DEBUG="0", SECRET_KEY=REAL_SECRET, IP_HASH_PEPPER=REAL_PEPPER, ALLOWED_HOSTS="x.example")

    assert result.returncode == 0, result.stderr


def test_development_starts_with_no_secrets_at_all():
    assert _import_settings(DEBUG="1").returncode == 0


def test_a_database_url_that_is_not_postgresql_is_refused():
    result = _import_settings(DATABASE_URL="sqlite:///db.sqlite3")

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr.strip().splitlines()[-1]
