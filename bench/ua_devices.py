"""Compare User-Agent -> device-type classifiers on the shared labelled corpus.

Run from the repository root:

    .venv/bin/python bench/ua_devices.py               # table for every installed candidate
    .venv/bin/python bench/ua_devices.py --only NAME   # one candidate (repeatable)
    .venv/bin/python bench/ua_devices.py --misses NAME # rows a candidate gets wrong

Each candidate is measured in its own fresh interpreter so that import cost,
first-call cost and memory are not polluted by the other libraries. Inside
that interpreter every result cache (the library's own and ours) is turned
off, so the per-UA figures are what a cache miss costs on the ingest path.

Classes are exactly: desktop, mobile, tablet, bot, unknown. "unknown" means
the library could not tell, and counts as wrong.

The corpus is ``../shared/testdata/ua_device_types.tsv`` (labels from
matomo-org/device-detector's fixtures; see shared/testdata/README.md). That
provenance favours matomo-derived parsers: bear it in mind when reading the
table (docs/benchmarks.md, "Device type detection", discusses it).

The candidates themselves are in bench/ua_device_candidates.py.
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ on the path; the candidates (and the product's
# marketing.devices) are imported from the repository root.
sys.path.insert(0, str(REPO))

from bench.ua_device_candidates import BY_NAME, CANDIDATES  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "testdata" / "ua_device_types.tsv"
WELL_KNOWN_TESTS = REPO / "tests" / "marketing" / "test_devices.py"
CLASSES = ("desktop", "mobile", "tablet", "bot")
FIRST_CALL_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


def load_corpus(path: Path) -> list[tuple[str, str]]:
    rows = []
    with path.open(encoding="utf-8", newline="\n") as fh:
        next(fh)  # header
        for line in fh:
            ua, label = line.rstrip("\n").split("\t")
            rows.append((ua, label))
    return rows


def load_well_known() -> list[tuple[str, str, str]]:
    """The hand-written table from the unit tests, read without importing pytest."""
    if not WELL_KNOWN_TESTS.exists():
        return []
    tree = ast.parse(WELL_KNOWN_TESTS.read_text(encoding="utf-8"))
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == "WELL_KNOWN_USER_AGENTS":
            return [tuple(row) for row in ast.literal_eval(node.value)]  # type: ignore[misc]
    return []


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def installed_size_mb(dists: tuple[str, ...]) -> float:
    total = 0
    for name in dists:
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for f in files:
            p = Path(str(f.locate()))
            if p.is_file():
                total += p.stat().st_size
    return total / 2**20


def versions(dists: tuple[str, ...]) -> str:
    out = []
    for name in dists:
        try:
            out.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(out)


def probe(name: str, corpus: Path, repeat: int) -> dict[str, object]:
    """Runs in a fresh interpreter: everything about one candidate."""
    cand = BY_NAME[name]
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    try:
        classify = cand.build()
    except ImportError as exc:
        return {"skipped": f"not installed ({exc.name or exc})"}
    t1 = time.perf_counter()
    classify(FIRST_CALL_UA)
    t2 = time.perf_counter()

    rows = load_corpus(corpus)
    # Pass 1 pays lazy regex compilation; it also gives the predictions.
    s = time.perf_counter()
    predictions = [classify(ua) for ua, _ in rows]
    first_pass_us = (time.perf_counter() - s) / len(rows) * 1e6
    rss_after = _rss_mb()

    timings_ns: list[int] = []
    pass_means: list[float] = []
    gc.collect()
    for _ in range(repeat):
        this_pass = []
        for ua, _label in rows:
            s = time.perf_counter_ns()
            classify(ua)
            this_pass.append(time.perf_counter_ns() - s)
        timings_ns.extend(this_pass)
        pass_means.append(statistics.fmean(this_pass) / 1000)
    timings_ns.sort()

    well_known = load_well_known()
    if cand.bot_only:
        # A bot-only detector is right when it flags exactly the bots.
        def correct(ua: str, expected: str) -> bool:
            return (classify(ua) == "bot") == (expected == "bot")
    else:
        def correct(ua: str, expected: str) -> bool:
            return classify(ua) == expected
    wk_right = sum(correct(ua, expected) for _id, ua, expected in well_known)

    return {
        "predictions": predictions,
        "import_ms": (t1 - t0) * 1000,
        "first_call_ms": (t2 - t1) * 1000,
        "us_first_pass": first_pass_us,
        "us_mean": statistics.median(pass_means),
        "us_p99": timings_ns[int(len(timings_ns) * 0.99)] / 1000,
        "us_max": timings_ns[-1] / 1000,
        "rss_mb": rss_after - rss0,
        "well_known": f"{wk_right}/{len(well_known)}" if well_known else "n/a",
        "well_known_misses": [
            (i, classify(ua), exp) for i, ua, exp in well_known if not correct(ua, exp)
        ],
    }


def run_probe(name: str, corpus: Path, repeat: int) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, "--probe", name, "--corpus", str(corpus), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"skipped": f"probe failed: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout)


def score(rows: list[tuple[str, str]], predictions: list[str]) -> dict[str, float | int]:
    per: dict[str, float | int] = {}
    for cls in CLASSES:
        idx = [i for i, (_, label) in enumerate(rows) if label == cls]
        per[cls] = 100 * sum(predictions[i] == cls for i in idx) / len(idx)
    per["overall"] = 100 * sum(p == label for p, (_, label) in zip(predictions, rows)) / len(rows)
    per["unknown"] = Counter(predictions)["unknown"]
    # Humans counted as bots vanish from the analytics, so this gets its own column.
    per["bot_fp"] = sum(p == "bot" and label != "bot" for p, (_, label) in zip(predictions, rows))
    return per


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the corpus (default 3)")
    ap.add_argument("--only", action="append", help="candidate name (repeatable)")
    ap.add_argument("--misses", metavar="NAME", help="print the rows NAME gets wrong")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.probe:
        json.dump(probe(args.probe, args.corpus, args.repeat), sys.stdout)
        return 0
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    rows = load_corpus(args.corpus)

    if args.misses:
        res = run_probe(args.misses, args.corpus, 1)
        if "skipped" in res:
            print(res["skipped"])
            return 1
        for (ua, label), pred in zip(rows, res["predictions"]):  # type: ignore[arg-type]
            if pred != label:
                print(f"{label}\t{pred}\t{ua}")
        return 0

    names = args.only or [c.name for c in CANDIDATES]
    print(f"corpus: {args.corpus} ({len(rows)} rows: {dict(Counter(label for _, label in rows))})")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.repeat} timed passes, no result caches\n")
    columns = (
        "candidate", "overall", "desktop", "mobile", "tablet", "bot", "unknown", "human→bot",
        "µs/UA 1st pass", "µs/UA mean", "µs p99", "µs max", "import ms", "1st call ms",
        "RSS MB", "disk MB", "hand set",
    )
    widths = [max(len(c), 48 if i == 0 else 7) for i, c in enumerate(columns)]

    def table_row(cells: list[str]) -> str:
        return "| " + " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ) + " |"

    print(table_row(list(columns)))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    skipped, details = [], []
    for name in names:
        cand = BY_NAME[name]
        res = run_probe(name, args.corpus, args.repeat)
        if "skipped" in res:
            skipped.append(f"{name}: {res['skipped']}")
            continue
        s = score(rows, res["predictions"])  # type: ignore[arg-type]

        def pct(key: str) -> str:
            return "—" if cand.bot_only and key != "bot" else f"{s[key]:.1f}%"

        print(table_row([
            name, pct("overall"), *(pct(c) for c in CLASSES), str(s["unknown"]), str(s["bot_fp"]),
            f"{res['us_first_pass']:.0f}", f"{res['us_mean']:.0f}", f"{res['us_p99']:.0f}",
            f"{res['us_max']:.0f}", f"{res['import_ms']:.0f}", f"{res['first_call_ms']:.1f}",
            f"{res['rss_mb']:.0f}", f"{installed_size_mb(cand.dists):.1f}", str(res["well_known"]),
        ]))
        details.append(f"  {name}: {versions(cand.dists)}")
        if res["well_known_misses"]:
            details.append(f"    hand-set misses (id, got, expected): {res['well_known_misses']}")
    if cand_note := [c.name for c in CANDIDATES if c.bot_only and c.name in names]:
        print(f"\n{', '.join(cand_note)}: bot column = bot recall, human→bot = false positives "
              "among the non-bot rows; 'unknown' = every UA it did not flag.")
    print("\nversions:")
    print("\n".join(details))
    if skipped:
        print("\nskipped:")
        print("\n".join(f"  {s}" for s in skipped))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
