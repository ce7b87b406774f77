"""Load generation: wrk with bench/wrk/ingest.lua, and what it reports."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.ingest_harness import REPO
from bench.ingest_harness.phases import Phase, PhaseResult
from bench.ingest_harness.service import wait_for_server_idle

LUA_SCRIPT = REPO / "bench" / "wrk" / "ingest.lua"
# The Lua script writes its run number into 3 hex digits of every eventId.
MAX_RUNS = 4095

# What ingest.lua's done() writes to $BENCH_RESULT_FILE, plus "stdout" and "run".
WrkOutput = dict[str, Any]


def ensure_wrk() -> str:
    """Path of wrk; installs Debian's package when run as root, else says how."""
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


def wrk_version(wrk: str) -> str:
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    text = output.stdout or output.stderr
    first = text.splitlines()[0] if text else "wrk"
    return first.split(" Copyright")[0].strip()


class LoadGenerator:
    """wrk against one gunicorn port; every run gets a new run number so the
    correctness check can tell its rows from those of earlier runs."""

    def __init__(self, *, wrk: str, port: int, threads: int, connections: int) -> None:
        self.wrk = wrk
        self.port = port
        self.threads = threads
        self.connections = connections
        self._run_numbers = itertools.count(1)

    def connections_for(self, phase: Phase) -> int:
        return phase.connections or self.connections

    def threads_for(self, phase: Phase) -> int:
        return min(self.threads, self.connections_for(phase))  # wrk refuses more threads than connections

    def run(self, phase: Phase, *, seconds: int, result_file: Path) -> WrkOutput:
        """Load phase's endpoint for seconds, then wait until the server has finished
        the requests still in flight when wrk stopped."""
        run = next(self._run_numbers)
        if run > MAX_RUNS:
            raise RuntimeError(f"more than {MAX_RUNS} wrk runs in one process")
        command = [
            self.wrk, f"-t{self.threads_for(phase)}", f"-c{self.connections_for(phase)}", f"-d{seconds}s", "--latency",
            "--timeout", "10s", "-s", str(LUA_SCRIPT), f"http://127.0.0.1:{self.port}{phase.path}",
            "--", str(phase.events_per_request), str(run),
        ]
        result_file.unlink(missing_ok=True)
        completed = subprocess.run(
            command, env={**os.environ, "BENCH_RESULT_FILE": str(result_file)},
            capture_output=True, text=True, timeout=seconds + 120, check=False,
        )
        if completed.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
        output: WrkOutput = json.loads(result_file.read_text())
        output["stdout"] = completed.stdout
        output["run"] = run
        wait_for_server_idle(self.port)
        return output


def phase_result(phase: Phase, output: WrkOutput, connections: int) -> PhaseResult:
    threads = output["threads"]
    statuses: Counter[str] = Counter()
    for thread in threads:
        statuses.update(thread["statuses"])
    errors = output["errors"]
    return PhaseResult(
        phase=phase,
        connections=connections,
        seconds=output["duration_us"] / 1e6,
        requests=output["requests"],
        status_202=sum(thread["status_202"] for thread in threads),
        accepted_events=sum(thread["accepted_events"] for thread in threads),
        non_2xx=sum(thread["non_2xx"] for thread in threads),
        # wrk's "status" errors are HTTP >= 400, already counted in non_2xx.
        socket_errors={name: errors[name] for name in ("connect", "read", "write", "timeout")},
        latency_ms={name: value / 1000 for name, value in output["latency_us"].items()},
        statuses=dict(statuses),
        error_samples=[sample for thread in threads for sample in thread["error_samples"]],
    )
