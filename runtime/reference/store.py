"""The primary database: items, read by id, updated in an explicit transaction.

One store for any DB-API driver: SQLite by default (a file per run), PostgreSQL (psycopg)
by URL. Every write is BEGIN; UPDATE; COMMIT on a connection in autocommit mode, so the
transaction is exactly what the picture draws, and the caller learns of success only after
COMMIT returned: invalidation must never be published for a change that did not commit.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    version: int

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "version": self.version}


#: Opens a connection in autocommit mode (transactions are explicit statements).
Connect = Callable[[], Any]

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class SqlStore:
    """Items in one table of a SQL database, reached through ``connect``.

    ``placeholder`` is the driver's parameter marker (``?`` for sqlite3, ``%s`` for
    psycopg); ``table`` lets several runs share one PostgreSQL database without touching
    each other's rows.
    """

    def __init__(self, connect: Connect, *, placeholder: str = "?", table: str = "items"):
        if not _TABLE_NAME.match(table):
            raise ValueError(f"table name {table!r} must match {_TABLE_NAME.pattern}")
        self.connect, self.table = connect, table
        self._p = placeholder

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with closing(self.connect()) as db, closing(db.cursor()) as cursor:
            yield cursor

    def create(self, items: dict[int, str]) -> None:
        p = self._p
        with self._cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (id INTEGER PRIMARY KEY, "
                           "name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)")
            cursor.execute("BEGIN")  # one transaction: one sync to disk, not one per row
            cursor.execute(f"DELETE FROM {self.table}")
            cursor.executemany(f"INSERT INTO {self.table} (id, name, version) "
                               f"VALUES ({p}, {p}, 1)", sorted(items.items()))
            cursor.execute("COMMIT")

    def drop(self) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def get(self, item_id: int) -> Item | None:
        with self._cursor() as cursor:
            cursor.execute(f"SELECT id, name, version FROM {self.table} WHERE id = {self._p}",
                           (item_id,))
            row = cursor.fetchone()
        return Item(*row) if row else None

    def update(self, item_id: int, name: str) -> Item | None:
        """Rename an item in one transaction; None (and no change) if it does not exist."""
        p = self._p
        with self._cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                cursor.execute(f"UPDATE {self.table} SET name = {p}, version = version + 1 "
                               f"WHERE id = {p}", (name, item_id))
                if cursor.rowcount == 0:
                    cursor.execute("ROLLBACK")
                    return None
                cursor.execute(f"SELECT id, name, version FROM {self.table} WHERE id = {p}",
                               (item_id,))
                row = cursor.fetchone()
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        return Item(*row)


def sqlite_connect(path: Path) -> Connect:
    # isolation_level=None: no implicit transactions; BEGIN ... COMMIT are explicit.
    return lambda: sqlite3.connect(path, isolation_level=None, timeout=5)


def SqliteStore(path: Path) -> SqlStore:
    """The default primary database: a SQLite file."""
    return SqlStore(sqlite_connect(path))
