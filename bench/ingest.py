"""Load benchmark of POST /v1/events under gunicorn, as production runs it.

    .venv/bin/python bench/ingest.py        # the 3 main phases x 20 s, prints the table
    .venv/bin/python bench/ingest.py --logging-cost --no-rate-limit --low-concurrency 2 --profile --retries-when-shared 3 --wait-idle 600 --write

The second form is the one docs/benchmarks.md reports: the three phases (ceiling,
single events, batches), then the single-event phase at LOG_LEVEL=INFO, without
the rate limiter and at wrk -c2, then py-spy profiles; --write rewrites only the
doc's results block. `--help` lists every option. The harness itself is the
package bench/ingest_harness/.
"""

import sys
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest_harness.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
