"""Start the real `loaphuong run` as a child process for end-to-end tests and benchmarks."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_bot(workdir: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "ZALO_", "DATABASE_", "WEBHOOK_"))
    }
    environment.update(
        {"WEB_PORT": str(port), "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.db'}"}
    )
    environment.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=workdir,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


# One browser per body["user_id"]: the server knows a chat by the cookie it gave it, so
# each name keeps its own cookies (across restarts of the bot, as a browser would).
_browsers: dict[str, urllib.request.OpenerDirector] = {}


def post_chat(port: int, body: dict[str, str], timeout: float = 5) -> dict:
    browser = _browsers.setdefault(
        body.get("user_id", ""),
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())),
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with browser.open(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for_answer(port: int, body: dict[str, str], deadline_s: float = 30) -> tuple[dict, float]:
    """Poll until the bot answers; returns (answer, seconds waited)."""
    started = time.monotonic()
    while True:
        try:
            return post_chat(port, body), time.monotonic() - started
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() - started > deadline_s:
                raise
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output.decode(errors="replace")


async def until_healthy(ports: Iterable[int], timeout: float = 60) -> None:
    """Wait until the bot on each of `ports` answers /healthz with 200."""
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as client:
        for port in ports:
            while True:
                try:
                    async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the bot on port {port} did not start")
                await asyncio.sleep(0.1)
