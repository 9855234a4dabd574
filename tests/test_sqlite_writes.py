"""One writer at a time per SQLite file: a second writer waits in line instead of
failing "database is locked" (here with no busy timeout at all) or sleeping."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.sqlite_writes import OneWriterConnection


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=0, factory=OneWriterConnection, check_same_thread=False)


@pytest.mark.parametrize("first_ends_with", ["commit", "rollback"])
def test_a_second_writer_waits_for_the_first_and_goes_on_when_it_ends(tmp_path, first_ends_with):
    path = tmp_path / "one.db"
    first, second = connect(path), connect(path)
    first.execute("PRAGMA journal_mode=WAL")
    first.execute("CREATE TABLE note (n INTEGER PRIMARY KEY)")
    first.execute("INSERT INTO note VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError):
        first.execute("INSERT INTO note VALUES (1)")  # a failed write still holds the line
    done = threading.Event()

    def write_second() -> None:
        second.execute("INSERT INTO note VALUES (2)")
        second.commit()
        done.set()

    writer = threading.Thread(target=write_second)
    writer.start()
    assert not done.wait(0.1)  # in line, not failed
    getattr(first, first_ends_with)()
    writer.join(5)
    assert done.is_set()
    kept = {1, 2} if first_ends_with == "commit" else {2}
    assert {n for (n,) in second.execute("SELECT n FROM note")} == kept
    first.close()
    second.close()
