"""One writer at a time per SQLite file within the process, waiting in line.

SQLite lets one transaction write at a time; a second writer gets "busy" and SQLite's
busy handler sleeps 1, 2, 5, 10 … up to 100 ms between tries, so under a stream of
short writes (a question logged, a topic toggled, for twenty residents at once) some
writer keeps losing the race and waits a second or more. Here each connection of the
process takes a lock before its first write and gives it back at commit or rollback:
writers queue in their own database threads and go as soon as the previous one is done.
Other processes on the same file still meet SQLite's own locking and busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

# Past this, the writer goes on and SQLite's own busy timeout decides, as without the lock.
WAIT_S = 30.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def lock_for(path: str) -> threading.Lock:
    """The write lock of the SQLite file at `path`, one for all the process's connections."""
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


class OneWriterConnection(sqlite3.Connection):
    """A sqlite3 connection (pass as `factory=`) that writes only while holding its
    file's lock."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._write_lock = lock_for(str(database))
        self._writing = False

    @property
    def writing(self) -> bool:
        """Holding the file's write lock (given back at commit or rollback)."""
        return self._writing

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or _OneWriterCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        # sqlite3's own shortcut makes a plain cursor; this one goes through ours.
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._done_writing()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._done_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._done_writing()

    def _about_to_write(self) -> None:
        if not self._writing and not self.in_transaction:
            self._writing = self._write_lock.acquire(timeout=WAIT_S)

    def _done_writing(self) -> None:
        if self._writing:
            self._writing = False
            self._write_lock.release()


class _OneWriterCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self._before(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self._before(sql)
        return super().executemany(sql, parameters)

    def _before(self, sql: str) -> None:
        if sql.lstrip()[:6].upper() in _WRITES:
            connection = self.connection
            assert isinstance(connection, OneWriterConnection)
            connection._about_to_write()
