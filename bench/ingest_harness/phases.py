"""What a phase of the benchmark is, and what it measured."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

CEILING_PATH = "/bench/ceiling"
EVENTS_PATH = "/v1/events"


@dataclass(frozen=True)
class ServerSettings:
    """How gunicorn must run for a phase; phases that differ here need a restart."""

    log_level: str = "WARNING"
    rate_limit: bool = True

    def describe(self) -> str:
        return f"LOG_LEVEL={self.log_level}" + ("" if self.rate_limit else ", RATELIMIT_ENABLE=False")


DEFAULT_SERVER = ServerSettings()


@dataclass(frozen=True)
class Phase:
    key: str
    title: str
    path: str
    events_per_request: int
    server: ServerSettings = DEFAULT_SERVER
    connections: int | None = None  # None: the run's --connections
    # A variant changes one thing about another phase (variant_of), to measure what
    # that thing costs; it is compared with that phase and left out of the targets.
    variant_of: str | None = None
    change: str = ""  # what the variant changes, in words

    @property
    def is_variant(self) -> bool:
        return self.variant_of is not None


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    ok: bool
    detail: str


@dataclass
class PhaseResult:
    phase: Phase
    connections: int
    seconds: float
    requests: int
    status_202: int
    accepted_events: int
    non_2xx: int
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]
    statuses: dict[str, int]
    error_samples: list[str]
    checks: list[CheckOutcome] = field(default_factory=list)
    db_counts: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    # Attempts measured while other processes used the CPU, and measured again.
    discarded_attempts: int = 0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.accepted_events / self.seconds

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def cpu_ms_per_request(self) -> float:
        """CPU the bench's processes (gunicorn, PostgreSQL, wrk) spent per request."""
        return self.cpu.get("ours", 0.0) * 1000 / self.requests_per_s if self.requests else 0.0


def phases_for(args: argparse.Namespace) -> list[Phase]:
    """The phases --phases selects, then the variants the options ask for.

    Variants that keep the server as it is come first, so gunicorn restarts as
    seldom as possible (each restart pays the warm-up again).
    """
    single = Phase("single", "POST /v1/events, 1 event", EVENTS_PATH, 1)
    phases = [
        Phase("ceiling", "ceiling (bare view, 1 INSERT)", CEILING_PATH, 1),
        single,
        Phase("batch", f"POST /v1/events, batch of {args.batch}", EVENTS_PATH, args.batch),
    ]
    selected = [phase for phase in phases if phase.key in args.phases]
    if args.low_concurrency:
        selected.append(Phase(
            f"single_c{args.low_concurrency}", f"POST /v1/events, 1 event, -c{args.low_concurrency}", EVENTS_PATH, 1,
            connections=args.low_concurrency, variant_of=single.key,
            change=f"wrk -c{args.low_concurrency} instead of -c{args.connections}",
        ))
    if args.logging_cost:
        selected.append(Phase(
            "single_info", "POST /v1/events, 1 event, LOG_LEVEL=INFO", EVENTS_PATH, 1,
            server=ServerSettings(log_level="INFO"), variant_of=single.key,
            change="LOG_LEVEL=INFO (one JSON log line per request) instead of WARNING",
        ))
    if args.no_rate_limit:
        selected.append(Phase(
            "single_no_rate_limit", "POST /v1/events, 1 event, RATELIMIT_ENABLE=False", EVENTS_PATH, 1,
            server=ServerSettings(rate_limit=False), variant_of=single.key,
            change="RATELIMIT_ENABLE=False (no rate-limit counter statements in PostgreSQL)",
        ))
    return selected
