"""Developer helper: print what a new alembic revision would contain.

Usage: .venv/bin/python tools/autogen_migration.py
Upgrades a scratch SQLite file to head, then prints the differences between
the models and that schema as alembic operations, to paste into your revision.
"""

from __future__ import annotations

import asyncio
import pprint
import tempfile
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import Database


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}")
        await database.migrate()
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
            )
        await database.close()
    pprint.pprint(diff)


if __name__ == "__main__":
    asyncio.run(main())
