"""Developer helper: print what a new alembic revision would contain.

Usage: .venv/bin/python tools/autogen_migration.py
Upgrades a scratch SQLite file to head, then prints the alembic operations that
would bring that schema to the models, to paste into your revision's upgrade().
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import Database


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}")
        await database.migrate()
        async with database.engine.connect() as connection:
            code = await connection.run_sync(_render)
        await database.close()
    print(code)


def _render(sync_connection) -> str:  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(sync_connection, opts={"render_as_batch": True})
    return render_python_code(produce_migrations(context, SQLModel.metadata).upgrade_ops)


if __name__ == "__main__":
    asyncio.run(main())
