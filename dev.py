#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+ installed.

    python3 dev.py run     # virtualenv, embedded PostgreSQL, migrations, server on :8000
    python3 dev.py test    # the whole test suite (what CI runs)

Standard library only: this file runs before any dependency is installed.
"""

import hashlib
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        print("Python 3.11 or newer is needed.", file=sys.stderr)
        return 2
    command, *rest = argv or ["help"]
    if command == "run":
        ensure_environment(extras=[])
        return run([str(PYTHON), "manage.py", "serve", *rest])
    if command == "test":
        ensure_environment(extras=["dev"])
        return run([str(PYTHON), "-m", "pytest", *rest])
    print(__doc__)
    return 0 if command in {"help", "-h", "--help"} else 2


def ensure_environment(*, extras: list[str]) -> None:
    """Create .venv and install pyproject's dependencies when they changed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    stamp = VENV / f".installed-{hashlib.sha256(chr(10).join(requirements).encode()).hexdigest()[:16]}"
    if stamp.exists():
        return
    if not PYTHON.exists():
        print("Creating virtualenv in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing dependencies ...", flush=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        check=True,
    )
    stamp.touch()


def run(command: list[str]) -> int:
    """Become the command (exec), so a signal sent to this process reaches it directly
    and no wrapper is left behind to orphan the server when killed."""
    os.chdir(ROOT)
    os.execv(command[0], command)
    return 0  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
