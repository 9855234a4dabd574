"""Helpers shared by CLI commands: settings, a database session, the acting user."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import CliError

if TYPE_CHECKING:
    from pathlib import Path

    from openpyxl import Workbook

    from bot.config import Settings

T = TypeVar("T")


def acting_user(explicit: str | None = None) -> str:
    """Who is running the command, for the audit log (`--as NAME`, else the OS user)."""
    return explicit or os.environ.get("USER") or getpass.getuser()


def cli_settings() -> Settings:
    """The configuration; a mistake in it is a CliError (its message names the variable)."""
    from bot.config import ConfigError, get_settings

    try:
        return get_settings()
    except ConfigError as exc:
        raise CliError(str(exc)) from None


@asynccontextmanager
async def open_session() -> AsyncIterator[AsyncSession]:
    """A session on DATABASE_URL with the schema migrated to the newest revision."""
    from bot.db import UNREACHABLE, Database

    settings = cli_settings()
    database = Database(settings.database_url)
    try:
        try:
            await database.migrate()
        except UNREACHABLE as exc:
            raise CliError(_unreachable(settings.database_url, exc)) from None
        async with database.sessions() as session:
            yield session
    finally:
        await database.close()


def _unreachable(url: str, error: Exception) -> str:
    from bot.db import unreachable_reason

    reason = unreachable_reason(error)
    shown = make_url(url).render_as_string(hide_password=True)
    return (
        f"không mở được cơ sở dữ liệu {shown} ({reason}); "
        "kiểm tra DATABASE_URL (đường dẫn, quyền ghi, máy chủ có đang chạy không)"
    )


def run_with_session(
    work: Callable[[AsyncSession], Awaitable[T]],
    refusing: type[Exception] | tuple[type[Exception], ...] = (),
) -> T:
    """`work` on a migrated session; an error of a `refusing` kind (a refusal the domain
    words for the user) is one CLI line."""

    async def main() -> T:
        async with open_session() as session:
            try:
                return await work(session)
            except refusing as exc:
                raise CliError(str(exc)) from None

    return asyncio.run(main())


def iso_date(text: str) -> date:
    """argparse type for a day (2026-11-20 or 20/11/2026), with a Vietnamese message when
    it is not one."""
    from content.dates import read_day

    day = read_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(
            f"ngày không hợp lệ: {text!r} (dạng YYYY-MM-DD hoặc DD/MM/YYYY)"
        )
    return day


# Output files: an unwritable one is refused in one line, before any work where possible.
def output_path(path: Path) -> Path:
    """`path` once it is known a workbook can be written there, before any work is done."""
    from bot.xlsx import WorkbookPathError, writable_path

    try:
        return writable_path(path)
    except WorkbookPathError as exc:
        raise CliError(str(exc)) from None


def save_output(book: Workbook, path: Path) -> None:
    """Write `book` to `path`; a refusal from the system is one CLI line."""
    from bot.xlsx import WorkbookPathError, save_workbook

    try:
        save_workbook(book, path)
    except WorkbookPathError as exc:
        raise CliError(str(exc)) from None
