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
table (docs/benchmarks-devices.md discusses it).
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "testdata" / "ua_device_types.tsv"
WELL_KNOWN_TESTS = REPO / "tests" / "marketing" / "test_devices.py"
CLASSES = ("desktop", "mobile", "tablet", "bot")
FIRST_CALL_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)

Classifier = Callable[[str], str]


# --------------------------------------------------------------------------
# Candidates. Each builder imports its library lazily and returns an
# *uncached* classifier; ImportError means "not installed, skip".
# --------------------------------------------------------------------------


def _product() -> Classifier:
    sys.path.insert(0, str(REPO))
    from marketing import devices

    # The product's own mapping minus its LRU cache, so the bench measures
    # exactly what ships (the corpus has no UA near the length cap).
    return devices.classify


def _device_detector() -> Classifier:
    # The library's device type mapped onto our classes and nothing more:
    # the baseline the product's extra rule (HTTP libraries -> bot) is judged
    # against, and still runnable if the product module changes library.
    from device_detector import DeviceDetector

    mapping = {
        "desktop": "desktop",
        "smartphone": "mobile",
        "phablet": "mobile",
        "feature phone": "mobile",
        "tablet": "tablet",
    }

    def classify(ua: str) -> str:
        dd = DeviceDetector(ua, check_cache=False).parse()
        if dd.is_bot():
            return "bot"
        return mapping.get(str(dd.device_type()), "unknown")

    return classify


def _user_agents_mapping(ua_obj: object) -> str:
    # user-agents' own predicates, checked bot-first: a bot UA often also
    # looks like a phone or a PC.
    if ua_obj.is_bot:  # type: ignore[attr-defined]
        return "bot"
    if ua_obj.is_tablet:  # type: ignore[attr-defined]
        return "tablet"
    if ua_obj.is_mobile:  # type: ignore[attr-defined]
        return "mobile"
    if ua_obj.is_pc:  # type: ignore[attr-defined]
        return "desktop"
    return "unknown"


def _user_agents_stock() -> Classifier:
    import user_agents
    from ua_parser import user_agent_parser

    # user-agents goes through ua-parser's legacy pure-`re` API, whose
    # 200-entry dict cache would otherwise hide the parse cost.
    user_agent_parser.MAX_CACHE_SIZE = 0

    def classify(ua: str) -> str:
        return _user_agents_mapping(user_agents.parse(ua))

    return classify


def _ua_parser_backend(backend: str) -> Callable[[], Classifier]:
    """user-agents' device rules fed by a ua-parser 1.x resolver.

    ua-parser reports browser/OS/device *family*, not a device type, so some
    mapping is needed; user-agents' rules are the usual one. Feeding them from
    the 1.x resolvers isolates what the optional native backends buy.
    """

    def build() -> Classifier:
        import ua_parser
        from user_agents import parsers as uap

        if backend == "basic":
            resolver = ua_parser.BasicResolver(ua_parser.load_builtins())
        elif backend == "re2":
            import re2  # noqa: F401  (skip cleanly if google-re2 is missing)
            from ua_parser.re2 import Resolver

            resolver = Resolver(ua_parser.load_lazy_builtins())
        elif backend == "rs":
            import ua_parser_rs  # noqa: F401
            from ua_parser.regex import Resolver

            resolver = Resolver(ua_parser.load_lazy_builtins())
        else:
            raise ValueError(backend)
        parser = ua_parser.Parser(resolver)  # no CachingResolver: uncached

        class _UA(uap.UserAgent):
            def __init__(self, ua: str) -> None:
                r = parser.parse(ua).with_defaults()
                self.ua_string = ua
                self.os = uap.parse_operating_system(
                    r.os.family, r.os.major, r.os.minor, r.os.patch, r.os.patch_minor
                )
                self.browser = uap.parse_browser(
                    r.user_agent.family, r.user_agent.major, r.user_agent.minor, r.user_agent.patch
                )
                self.device = uap.parse_device(r.device.family, r.device.brand, r.device.model)

        def classify(ua: str) -> str:
            return _user_agents_mapping(_UA(ua))

        return classify

    return build


def _crawlerdetect_detector() -> Callable[[str], bool]:
    from crawlerdetect import CrawlerDetect

    class _Uncached(CrawlerDetect):
        CACHE_SIZE = 0  # lru_cache(maxsize=0) stores nothing

    detector = _Uncached()
    return detector.is_crawler


def _crawlerdetect_only() -> Classifier:
    is_crawler = _crawlerdetect_detector()
    return lambda ua: "bot" if is_crawler(ua) else "unknown"


def _with_crawlerdetect(base: Callable[[], Classifier]) -> Callable[[], Classifier]:
    def build() -> Classifier:
        is_crawler = _crawlerdetect_detector()
        inner = base()
        return lambda ua: "bot" if is_crawler(ua) else inner(ua)

    return build


@dataclass(frozen=True)
class Candidate:
    name: str
    dists: tuple[str, ...]  # distributions it pulls in (versions + installed size)
    build: Callable[[], Classifier]
    bot_only: bool = False


UA_DISTS = ("user-agents", "user-agents-ng", "ua-parser", "ua-parser-builtins")
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "marketing.devices (product)",
        ("device_detector", "regex", "ahocorasick_rs", "yaml-rs"),
        _product,
    ),
    Candidate(
        "device_detector (type mapping only)",
        ("device_detector", "regex", "ahocorasick_rs", "yaml-rs"),
        _device_detector,
    ),
    Candidate("user-agents (stock)", UA_DISTS, _user_agents_stock),
    Candidate("ua-parser basic + user-agents rules", UA_DISTS, _ua_parser_backend("basic")),
    Candidate("ua-parser re2 + user-agents rules", UA_DISTS + ("google-re2",), _ua_parser_backend("re2")),
    Candidate("ua-parser rs + user-agents rules", UA_DISTS + ("ua-parser-rs",), _ua_parser_backend("rs")),
    Candidate(
        "ua-parser rs + user-agents rules + crawlerdetect",
        UA_DISTS + ("ua-parser-rs", "crawlerdetect"),
        _with_crawlerdetect(_ua_parser_backend("rs")),
    ),
    Candidate(
        "user-agents (stock) + crawlerdetect",
        UA_DISTS + ("crawlerdetect",),
        _with_crawlerdetect(_user_agents_stock),
    ),
    Candidate("crawlerdetect (bots only)", ("crawlerdetect",), _crawlerdetect_only, bot_only=True),
)
BY_NAME = {c.name: c for c in CANDIDATES}


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
    print(f"corpus: {args.corpus} ({len(rows)} rows: {dict(Counter(l for _, l in rows))})")
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
