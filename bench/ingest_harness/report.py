"""Tables for the terminal, and the results block of docs/benchmarks.md.

--write rewrites only the block between RESULTS_START and RESULTS_END; the rest of
the doc (method, findings, the other benchmarks) is written by hand.
"""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench.ingest_harness import REPO
from bench.ingest_harness.cpu_meter import QUIET_CORES
from bench.ingest_harness.load import wrk_version
from bench.ingest_harness.phases import PhaseResult
from bench.ingest_harness.service import RATE_LIMIT
from bench.ingest_harness.targets import (
    DJANGO_INSERT_VIEW_NEW_CONNECTION_PER_S,
    DJANGO_INSERT_VIEW_PERSISTENT_PER_S,
    PEER_EVENTS_PER_S,
    PEER_NAME,
    POSTGRES_INSERTS_PER_S,
    Target,
    verdict,
)

DOC = REPO / "docs" / "benchmarks.md"
RESULTS_START = "<!-- bench/ingest.py results: start (rewritten by --write) -->"
RESULTS_END = "<!-- bench/ingest.py results: end -->"


def machine_facts(wrk: str, db: dict[str, str]) -> dict[str, str]:
    import django
    import gunicorn

    cpu_model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "CPU": f"{len(os.sched_getaffinity(0))} cores available (nproc), {cpu_model}",
        "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": f"{db['server_version'].split()[0]}, {db['kind']}; shared_buffers={db['shared_buffers']}, "
                      f"fsync={db['fsync']}, synchronous_commit={db['synchronous_commit']}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version(wrk),
    }


def markdown_table(header: list[str], alignment: str, rows: list[list[str]]) -> list[str]:
    """A Markdown table; alignment has one letter per column, l (text) or r (figures)."""
    separator = "|" + "|".join("---:" if align == "r" else "---" for align in alignment) + "|"
    return [_markdown_row(header), separator, *(_markdown_row(row) for row in rows)]


def _markdown_row(cells: list[str]) -> str:
    return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"


def phase_lines(result: PhaseResult) -> list[str]:
    """What the terminal shows after a phase."""
    r, cpu = result, result.cpu
    lines = [
        f"  {r.requests_per_s:,.0f} requests/s, {r.events_per_s:,.0f} events/s, p50 {r.latency_ms['p50']:.1f} ms, "
        f"p99 {r.latency_ms['p99']:.1f} ms, max {r.latency_ms['max']:.1f} ms, non-2xx {r.non_2xx}, "
        f"socket errors {r.socket_errors}",
        f"  CPU: machine {cpu['machine']:.2f} cores busy: bench processes {cpu['ours']:.2f}, "
        f"interrupts + steal {cpu['interrupts_steal']:.2f}, other processes {cpu['other']:.2f}"
        + ("  <- the box was shared: figures are pessimistic" if cpu["other"] > QUIET_CORES else ""),
    ]
    if r.error_samples:
        lines.append("  first error answers: " + " | ".join(r.error_samples[:3]))
    lines += [f"  {verdict(check.ok)}  {check.name}: {check.detail}" for check in r.checks]
    return lines


def phase_table(results: list[PhaseResult]) -> list[str]:
    header = ["phase", "conns", "requests/s", "events/s", "p50 ms", "p99 ms", "max ms", "non-2xx", "socket errors",
              "DB check", "CPU ms/request", "other CPU"]
    rows = [
        [r.phase.title, f"{r.connections}", f"{r.requests_per_s:,.0f}", f"{r.events_per_s:,.0f}",
         f"{r.latency_ms['p50']:.1f}", f"{r.latency_ms['p99']:.1f}", f"{r.latency_ms['max']:.1f}", f"{r.non_2xx}",
         f"{sum(r.socket_errors.values())}", verdict(r.passed), f"{r.cpu_ms_per_request:.2f}",
         f"{r.cpu.get('other', 0):.2f}"]
        for r in results
    ]
    return markdown_table(header, "lrrrrrrrrlrr", rows)


def target_lines(target_list: list[Target]) -> list[str]:
    return [f"{verdict(t.met)}  target: {t.name}: {t.figures}" for t in target_list]


def variant_comparisons(results: list[PhaseResult]) -> list[str]:
    """One sentence per variant: what changing one thing did to its phase."""
    by_key = {r.phase.key: r for r in results}
    sentences = []
    for variant in results:
        base = by_key.get(variant.phase.variant_of or "")
        if base is None:
            continue
        sentences.append(
            f"{variant.phase.change}: {variant.requests_per_s:,.0f} requests/s against {base.requests_per_s:,.0f} "
            f"({variant.requests_per_s / base.requests_per_s - 1:+.0%}), "
            f"p50 {variant.latency_ms['p50']:.1f} against {base.latency_ms['p50']:.1f} ms, "
            f"p99 {variant.latency_ms['p99']:.1f} against {base.latency_ms['p99']:.1f} ms, "
            f"CPU per request {variant.cpu_ms_per_request:.2f} against {base.cpu_ms_per_request:.2f} ms "
            f"({variant.cpu_ms_per_request - base.cpu_ms_per_request:+.2f} ms), "
            f"machine busy {variant.cpu.get('machine', 0):.2f} against {base.cpu.get('machine', 0):.2f} cores."
        )
    return sentences


def yardstick_table(results: list[PhaseResult]) -> list[str]:
    by_key = {r.phase.key: r for r in results}
    rows = [
        [f"{PEER_NAME}, page views", f"{PEER_EVENTS_PER_S:,}", "project brief"],
        ["PostgreSQL alone, single-row INSERTs", f"{POSTGRES_INSERTS_PER_S:,}", "project brief"],
        ["bare Django INSERT view, gunicorn 4 workers, persistent connections",
         f"{DJANGO_INSERT_VIEW_PERSISTENT_PER_S:,}", "project brief"],
        ["the same, a new database connection per request", f"{DJANGO_INSERT_VIEW_NEW_CONNECTION_PER_S:,}",
         "project brief"],
    ]
    measured = [
        ("ceiling", "our ceiling: bare Django INSERT view (bench/ceiling), requests", "requests_per_s"),
        ("single", "POST /v1/events, 1 event per request, events", "events_per_s"),
        ("batch", "POST /v1/events, batches, events", "events_per_s"),
    ]
    rows += [[label, f"{getattr(by_key[key], attribute):,.0f}", "measured in this run"]
             for key, label, attribute in measured if key in by_key]
    return markdown_table(["on this 2-core box", "per second", "source"], "lrl", rows)


def correctness_table(results: list[PhaseResult]) -> list[str]:
    header = ["phase", "202 answers", "events accepted", "their rows", "lost", "doubled",
              "rows of requests in flight at the stop", "rows of earlier runs", "validation rejections", "result"]
    rows = [
        [r.phase.key, f"{r.status_202:,}", f"{r.accepted_events:,}", f"{r.db_counts['answered_rows']:,}",
         f"{r.db_counts['lost']}", f"{r.db_counts['doubled']}",
         f"{r.db_counts['unanswered_rows']} ({r.db_counts['in_flight_at_stop']} requests in flight)",
         f"{r.db_counts['stragglers']}", f"{r.db_counts.get('rejected', '-')}", verdict(r.passed)]
        for r in results
    ]
    return markdown_table(header, "lrrrrrrrrl", rows)


def results_markdown(args: argparse.Namespace, command: str, machine: dict[str, str], results: list[PhaseResult],
                     target_list: list[Target], profiles: dict[str, str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [RESULTS_START, "", f"Run {when}:", "", "```", command, "```", ""]
    lines += markdown_table(["machine", ""], "ll", [[name, value] for name, value in machine.items()])
    lines += [
        "",
        f"Service: gunicorn `config/gunicorn.py`, {args.workers} sync workers, DEBUG=0, LOG_LEVEL=WARNING, "
        f"RATELIMIT_EVENTS={RATE_LIMIT}. Load: wrk -t{args.threads} -c{args.connections}, {args.seconds} s per phase, "
        f"keep-alive off (sync workers close every connection).",
        "",
        *phase_table(results),
        "",
        *yardstick_table(results),
        "",
        *markdown_table(["target", "result", "figures"], "lll", [[t.name, verdict(t.met), t.figures] for t in target_list]),
    ]
    comparisons = variant_comparisons(results)
    if comparisons:
        lines += ["", "Variants of the single-event phase, against it:", ""]
        lines += [f"- {sentence}" for sentence in comparisons]
    lines += [
        "",
        "Correctness: every stored row traced back to the request that sent it (see Method).",
        "",
        *correctness_table(results),
    ]
    for r in results:
        if r.discarded_attempts:
            lines.append(f"\n{r.phase.key}: {r.discarded_attempts} earlier attempt(s) discarded because other processes "
                         f"used more than {QUIET_CORES} cores during them (--retries-when-shared).")
    for r in results:
        if r.error_samples:
            lines.append(f"\n{r.phase.key}: {r.non_2xx} error answer(s), first: `{r.error_samples[0][:160]}`")
    for key, summary in profiles.items():
        lines += ["", f"py-spy profile of the workers during the {key} load (a separate run, not the figures above):",
                  "", "```", summary, "```"]
    lines += ["", RESULTS_END]
    return "\n".join(lines)


def write_doc(block: str) -> None:
    """Replace the results block of DOC; append it under its own heading when the doc has none."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start, end = text.find(RESULTS_START), text.find(RESULTS_END)
    if start != -1 and end != -1:
        DOC.write_text(text[:start] + block + text[end + len(RESULTS_END):])
    else:
        DOC.write_text(text.rstrip("\n") + "\n\n## Ingest throughput and latency: results\n\n" + block + "\n")
