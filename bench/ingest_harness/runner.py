"""One benchmark run: the servers it boots, the phases it measures, the profiles it takes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bench.ingest_harness import database
from bench.ingest_harness.correctness import verify
from bench.ingest_harness.cpu_meter import QUIET_CORES, CpuMeter, wait_for_quiet
from bench.ingest_harness.load import LoadGenerator, phase_result
from bench.ingest_harness.phases import DEFAULT_SERVER, Phase, PhaseResult, ServerSettings
from bench.ingest_harness.profiling import profile_phase, summarize_profile
from bench.ingest_harness.report import phase_lines
from bench.ingest_harness.service import Gunicorn, free_port

PROFILED_PHASES = ("single", "batch")


class BenchmarkRun:
    """Owns the gunicorn servers it starts; stop() stops every one of them."""

    def __init__(self, *, args: argparse.Namespace, wrk: str, workdir: Path, phases: list[Phase]) -> None:
        self.args = args
        self.workdir = workdir
        self.phases = phases
        self.port = free_port()
        self.load = LoadGenerator(wrk=wrk, port=self.port, threads=args.threads, connections=args.connections)
        # The bench's own CPU: this process and its children (gunicorn, wrk, py-spy), and
        # the embedded PostgreSQL's processes; everything else counts as "other".
        self.meter = CpuMeter(lambda: {os.getpid(), *filter(None, [database.postmaster_pid()])})
        self.servers: list[Gunicorn] = []

    @property
    def server(self) -> Gunicorn | None:
        return self.servers[-1] if self.servers else None

    def server_for(self, settings: ServerSettings) -> Gunicorn:
        """The running server when it has these settings, else a fresh, warmed-up one."""
        if self.server is not None and self.server.settings == settings:
            return self.server
        if self.server is not None:
            self.server.stop()
        database.close_connections()  # the workers connect on their own; ours would only idle
        fresh = Gunicorn(port=self.port, workers=self.args.workers, settings=settings,
                         database_url=database.database_url(), workdir=self.workdir)
        self.servers.append(fresh)
        print(f"gunicorn: {self.args.workers} workers, {settings.describe()}, 127.0.0.1:{self.port}...", flush=True)
        fresh.start()
        self._warm_up()
        return fresh

    def _warm_up(self) -> None:
        """Load every endpoint the run uses until each worker has imported the app,
        loaded the URLconf and cached the bench's User-Agents."""
        for endpoint in {phase.path: phase for phase in self.phases}.values():
            warm_up_load = Phase(endpoint.key, endpoint.title, endpoint.path, endpoint.events_per_request)
            self.load.run(warm_up_load, seconds=self.args.warmup, result_file=self.workdir / "warmup.json")

    def measure(self, phase: Phase) -> PhaseResult:
        """Measure phase; with --retries-when-shared, again while other processes used
        the CPU during it. The attempt kept is the first quiet one, or the last one."""
        self.server_for(phase.server)
        result = self._measure_once(phase)
        while result.cpu["other"] > QUIET_CORES and result.discarded_attempts < self.args.retries_when_shared:
            discarded = result.discarded_attempts + 1
            print(f"  attempt {discarded} discarded: other processes used {result.cpu['other']:.2f} cores; "
                  "measuring again...", flush=True)
            result = self._measure_once(phase)
            result.discarded_attempts = discarded
        return result

    def _measure_once(self, phase: Phase) -> PhaseResult:
        database.empty_tables()
        connections = self.load.connections_for(phase)
        print(f"phase {phase.key}: {phase.title}, {self.args.seconds} s, "
              f"wrk -t{self.load.threads_for(phase)} -c{connections}...",
              flush=True)
        wait_for_quiet(self.meter, limit_s=self.args.wait_idle)
        self.meter.start()
        output = self.load.run(phase, seconds=self.args.seconds, result_file=self.workdir / f"{phase.key}.json")
        cpu = self.meter.stop()
        (self.workdir / f"{phase.key}.wrk.txt").write_text(output["stdout"])
        result = phase_result(phase, output, connections)
        result.cpu = cpu
        verify(result, output)
        print("\n".join(phase_lines(result)))
        return result

    def profile(self) -> dict[str, str]:
        """py-spy summaries of the single and batch loads, on a server with default settings."""
        profiles: dict[str, str] = {}
        for phase in self.phases:
            if phase.key not in PROFILED_PHASES:
                continue
            server = self.server_for(DEFAULT_SERVER)
            print(f"profile {phase.key}: py-spy record on every worker during {self.args.seconds} s of load...", flush=True)
            raw_stacks = profile_phase(load=self.load, server=server, phase=phase, seconds=self.args.seconds,
                                       workdir=self.workdir)
            if raw_stacks:
                profiles[phase.key] = summarize_profile(raw_stacks)
                print(profiles[phase.key])
                print(f"  raw stacks: {raw_stacks}")
        return profiles

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
