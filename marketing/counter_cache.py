"""A shared, atomic counter store on PostgreSQL for django-ratelimit.

django-ratelimit needs `add` and `incr` that every gunicorn worker sees at once and
that never lose an increment (its check E003 rejects LocMem/FileBased/Database
caches for that reason). Redis does this, but the embedded development database and
a small Fly deployment have no Redis, and a second stateful service is a lot to ask
of an early-stage team. PostgreSQL does it with one statement each: INSERT ... ON
CONFLICT for `add`, UPDATE ... RETURNING for `incr`, on an UNLOGGED table. Set
RATELIMIT_CACHE_URL=redis://... to move the counters to Redis instead.

Only integer counters are stored; this is not a general-purpose cache.
"""

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import DEFAULT_DB_ALIAS, connections

FOREVER = "infinity"


class PostgresCounterCache(BaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._table = table

    def _expiry(self, timeout: Any) -> str | float:
        expiry = self.get_backend_timeout(timeout)
        return FOREVER if expiry is None else expiry

    def _execute(self, sql: str, params: list[Any]) -> tuple | None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql.format(table=self._table), params)
            return cursor.fetchone() if cursor.description else None

    def add(self, key: str, value: int, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        expiry = self._expiry(timeout)
        row = self._execute(
            "INSERT INTO {table} (key, value, expires_at) VALUES (%s, %s, to_timestamp(%s)) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at "
            "WHERE {table}.expires_at <= now() RETURNING 1",
            [key, int(value), expiry],
        )
        return row is not None

    def set(self, key: str, value: int, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._execute(
            "INSERT INTO {table} (key, value, expires_at) VALUES (%s, %s, to_timestamp(%s)) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at",
            [key, int(value), self._expiry(timeout)],
        )

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._execute("SELECT value FROM {table} WHERE key = %s AND expires_at > now()", [key])
        return default if row is None else row[0]

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        row = self._execute(
            "UPDATE {table} SET value = value + %s WHERE key = %s AND expires_at > now() RETURNING value",
            [delta, key],
        )
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        row = self._execute("DELETE FROM {table} WHERE key = %s RETURNING 1", [key])
        return row is not None

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        row = self._execute(
            "UPDATE {table} SET expires_at = to_timestamp(%s) WHERE key = %s AND expires_at > now() RETURNING 1",
            [self._expiry(timeout), key],
        )
        return row is not None

    def clear(self) -> None:
        self._execute("DELETE FROM {table}", [])

    def delete_expired(self) -> int:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f"DELETE FROM {self._table} WHERE expires_at <= now()")
            return cursor.rowcount
