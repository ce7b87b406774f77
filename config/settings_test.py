"""Test settings: the same as production-like development, faster where speed needs it."""

import os
from pathlib import Path

# Tests get their own embedded cluster so a running dev service is never touched.
os.environ.setdefault("EMBEDDED_POSTGRES_DIR", str(Path(__file__).resolve().parent.parent / ".pgdata" / "test"))

from config.settings import *  # noqa: E402,F403
from config.settings import Q_CLUSTER  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
