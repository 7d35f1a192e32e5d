"""The primary database: items, read by id, updated in an explicit transaction.

SQLite by default (a file per run). Every write is BEGIN; UPDATE; COMMIT, and the caller
learns of success only after COMMIT returned: invalidation must never be published for a
change that did not commit.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    version: int

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "version": self.version}


class SqliteStore:
    def __init__(self, path: Path):
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are explicit (BEGIN ... COMMIT), as drawn.
        return sqlite3.connect(self.path, isolation_level=None, timeout=5)

    def create(self, items: dict[int, str]) -> None:
        with closing(self._connect()) as db:
            db.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, "
                       "name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)")
            db.executemany("INSERT OR REPLACE INTO items (id, name, version) VALUES (?, ?, 1)",
                           sorted(items.items()))

    def get(self, item_id: int) -> Item | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT id, name, version FROM items WHERE id = ?",
                             (item_id,)).fetchone()
        return Item(*row) if row else None

    def update(self, item_id: int, name: str) -> Item | None:
        """Rename an item in one transaction; None (and no change) if it does not exist."""
        with closing(self._connect()) as db:
            db.execute("BEGIN")
            try:
                cursor = db.execute("UPDATE items SET name = ?, version = version + 1 "
                                    "WHERE id = ?", (name, item_id))
                if cursor.rowcount == 0:
                    db.execute("ROLLBACK")
                    return None
                row = db.execute("SELECT id, name, version FROM items WHERE id = ?",
                                 (item_id,)).fetchone()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Item(*row)
