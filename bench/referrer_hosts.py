"""Accuracy of the referrer-host families against snowplow referer-parser labels.

    .venv/bin/python bench/referrer_hosts.py [path/to/referrer_hosts.tsv]

Prints a per-class table (Markdown) and every host the rules get wrong, so a
change to marketing/traffic_source.py can be judged by what it fixes and
what it breaks. The corpus is measurement only: its hosts are never copied
into the rules.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketing.traffic_source import classify_traffic_source  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "referrer_hosts.tsv"

# referer-parser's medium → our traffic source.
EXPECTED_TRAFFIC_SOURCE = {
    "search": "organic_search",
    "social": "social",
    "email": "email",
}


def labelled_hosts(corpus: Path) -> list[tuple[str, str, str]]:
    """(host, expected traffic source, upstream provider name) per row."""
    rows = []
    lines = corpus.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        host, medium, provider = line.split("\t")
        rows.append((host, EXPECTED_TRAFFIC_SOURCE[medium], provider))
    return rows


# referer-parser lists Android package ids (com.google.android.gm) among
# its hosts; browsers report those as android-app://<package>. No web host
# starts with these labels, so the bench sends such rows the way they arrive.
ANDROID_PACKAGE_ROOTS = ("com.", "org.", "io.", "net.")


def classify_host(host: str) -> str:
    if host.startswith(ANDROID_PACKAGE_ROOTS):
        return classify_traffic_source(referrer=f"android-app://{host}/")
    return classify_traffic_source(referrer=f"https://{host}/")


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    rows = labelled_hosts(corpus)
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    misses: list[tuple[str, str, str, str]] = []
    for host, expected, provider in rows:
        got = classify_host(host)
        totals[expected] += 1
        if got == expected:
            hits[expected] += 1
        else:
            misses.append((expected, host, got, provider))

    print(f"corpus: {corpus}")
    print()
    print("| class | rows | right | accuracy |")
    print("|---|---:|---:|---:|")
    for traffic_source in EXPECTED_TRAFFIC_SOURCE.values():
        total, right = totals[traffic_source], hits[traffic_source]
        print(f"| {traffic_source} | {total} | {right} | {right / total:.1%} |")
    total, right = sum(totals.values()), sum(hits.values())
    print(f"| **all** | {total} | {right} | {right / total:.1%} |")
    print()
    print(f"misses ({len(misses)}): expected, host, got, upstream provider")
    for expected, host, got, provider in sorted(misses):
        print(f"  {expected:15} {host:40} {got:15} {provider}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
