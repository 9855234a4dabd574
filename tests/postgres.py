"""A throwaway PostgreSQL cluster for the scale-out tests (initdb + pg_ctl in a tmp dir).

PostgreSQL refuses to run as root; when the tests do, the cluster runs as the
`postgres` system user. Skipped, saying why, where the binaries are absent.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest

from bot.fakes.processes import free_port

USER = "loaphuong"


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres_if_root(folder: Path) -> Callable[[], None] | None:
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)

    def become_postgres() -> None:
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)

    return become_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL (no database name) of a fresh cluster, for the whole session."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl): apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="loaphuong-pg-"))
    data, port = folder / "data", free_port()
    run_as = _as_postgres_if_root(folder)
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )

    def run(*command: str) -> None:
        subprocess.run(command, check=True, capture_output=True, preexec_fn=run_as, timeout=120)

    run(initdb, "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale")
    run(pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    try:
        yield f"postgresql+asyncpg://{USER}@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, preexec_fn=run_as, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


_numbers = count(1)


@pytest.fixture
async def postgres_url(postgres_server: str) -> str:
    """A new empty database on the session's cluster, for one test."""
    return await new_database(postgres_server)


async def new_database(postgres_server: str) -> str:
    """The URL of a new empty database on the cluster at `postgres_server`."""
    import asyncpg

    name = f"test_{os.getpid()}_{next(_numbers)}"
    plain = postgres_server.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(f"{plain}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{postgres_server}/{name}"
