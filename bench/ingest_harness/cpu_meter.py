"""CPU used by processes outside the benchmark while a phase runs.

The box is shared with other engineers' test runs; a phase measured while they
run is pessimistic, so the harness waits for quiet and reports what it could not
avoid (the "other CPU" column).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Other processes using more than this many cores make a phase's figures pessimistic.
QUIET_CORES = 0.25


def _process_ticks() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, CPU ticks) of every process: its own user + system time plus that
    of its children it has reaped. Without the reaped part, a process that starts and
    ends within a phase (wrk; a PostgreSQL backend per request with DB_CONN_MAX_AGE=0)
    is in neither snapshot and its CPU would be counted as other people's."""
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
        utime, stime, children_utime, children_stime = (int(value) for value in fields[11:15])
        processes[int(entry.name)] = (int(fields[1]), utime + stime + children_utime + children_stime)
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


def wait_for_quiet(meter: CpuMeter, *, limit_s: int, threshold_cores: float = QUIET_CORES) -> float:
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
