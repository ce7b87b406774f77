"""The service under test: gunicorn exactly as production starts it, on 127.0.0.1."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.ingest_harness import REPO
from bench.ingest_harness.database import SETTINGS_MODULE, wait_for_idle_backends
from bench.ingest_harness.phases import ServerSettings

GUNICORN_CONFIG = REPO / "config" / "gunicorn.py"
# High enough never to refuse our single client IP, so the limiter's PostgreSQL
# counter statement still runs on every request without turning load into 429s.
RATE_LIMIT = "100000000/m"
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, *, port: int, workers: int, settings: ServerSettings, database_url: str, workdir: Path) -> None:
        self.port = port
        self.workers = workers
        self.settings = settings
        self.database_url = database_url
        suffix = "" if settings.rate_limit else "-no-rate-limit"
        self.log_path = workdir / f"gunicorn-{settings.log_level.lower()}{suffix}.log"
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
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
            DATABASE_URL=self.database_url,
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(48),
            IP_HASH_PEPPER=secrets.token_urlsafe(48),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            RATELIMIT_EVENTS=RATE_LIMIT,
            RATELIMIT_ENABLE="1" if self.settings.rate_limit else "0",  # read by bench.settings
            LOG_LEVEL=self.settings.log_level,
            WEB_CONCURRENCY=str(self.workers),
            GUNICORN_LOG_LEVEL="warning",
        )
        return env

    def start(self) -> None:
        """Start gunicorn and return once /v1/healthz answers 200."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=REPO, env=self.environment(), stdout=log, stderr=log,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
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
        raise RuntimeError(f"gunicorn did not answer {url} within {START_TIMEOUT_S} s; see {self.log_path}:\n{self.log_tail()}")

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
