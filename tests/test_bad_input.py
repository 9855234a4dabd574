"""Bad input on the web chat API and the webhooks: a clean 400 (one log line, no
traceback) or a polite reply, never a 500; a half-sent request times out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil

import pytest
from aiohttp import web

from bot.app import LoaPhuong
from bot.config import load_settings
from bot.fakes.processes import free_port
from bot.web import site
from tests import test_web_chat

client = test_web_chat.client  # the web chat over real HTTP

NESTED_OBJECT = '{"a":' * 40 + "1" + "}" * 40
BAD_BODIES = [
    ("[" * 100_000 + "]" * 100_000, "JSON"),
    (NESTED_OBJECT, "sâu"),
    ('{"user_id": "u1", "text": ' + "[" * 50 + "]" * 50 + "}", "sâu"),
    ('{"user_id": "u1", "text": "' + "a" * 1_100_000 + '"}', "lớn"),
    (b'{"user_id": "u1", "text": "\xff\xfe"}', "JSON"),
]


@pytest.mark.parametrize(("body", "complaint"), BAD_BODIES, ids=range(len(BAD_BODIES)))
async def test_a_body_no_one_would_send_is_a_400_with_one_line_in_the_log(
    client, caplog, body, complaint
):
    with caplog.at_level(logging.INFO):
        response = await client.post(
            "/api/chat", data=body, headers={"Content-Type": "application/json"}
        )
    assert response.status == 400
    assert complaint in (await response.json())["error"]
    lines = [r for r in caplog.records if r.name != "aiohttp.access"]  # the test server's
    assert [r.levelname for r in lines] == ["WARNING"]
    assert lines[0].exc_info is None


async def test_a_lone_surrogate_in_the_text_gets_a_polite_answer(client, caplog):
    body = '{"user_id": "u1", "text": "ti\\u00eam ch\\ud800ng \\udfff"}'
    response = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 200
    assert (await response.json())["replies"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("after", ["1e20", "-1", str(2**63), "99999999999999999999999", "x"])
async def test_an_inbox_position_out_of_range_is_a_400(client, after):
    response = await client.get("/api/inbox", params={"user_id": "u1", "after": after})
    assert response.status == 400
    assert "after" in (await response.json())["error"]


IDLE_TIMEOUT_S = 1.0
CLOSED_WITHIN_S = 6.0  # well short of the 10 s default, so a bound left unset fails


@pytest.fixture
async def bot_server(tmp_path, migrated_sqlite):
    """The whole bot's web server (web chat, dashboard, webhooks) with a short idle bound."""
    shutil.copyfile(migrated_sqlite, tmp_path / "bot.db")
    port = free_port()
    app = LoaPhuong(
        load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            web_port=port,
            web_idle_timeout=IDLE_TIMEOUT_S,
            _env_file=None,
        )
    )
    try:
        await app.start()
        yield port
    finally:
        await app.stop()


HALF_SENT = [
    ("/api/chat", "application/json", b'{"text": '),
    ("/admin/login", "application/x-www-form-urlencoded", b"username=to"),
]


async def send_half(port: int, path: str, content_type: str, start: bytes):
    """A POST announcing 100 bytes of body and sending only `start`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
    writer.write(head.encode() + b"Content-Length: 100\r\n\r\n" + start)
    await writer.drain()
    return reader, writer


@pytest.mark.parametrize(("path", "content_type", "start"), HALF_SENT)
async def test_a_half_sent_body_is_refused_in_time(
    bot_server, monkeypatch, caplog, path, content_type, start
):
    monkeypatch.setattr(site, "BODY_TIMEOUT_S", 0.3)
    reader, writer = await send_half(bot_server, path, content_type, start)
    status, body = await asyncio.wait_for(response_to(reader), timeout=5)
    writer.close()
    assert status == 408
    assert "chậm" in (json.loads(body)["error"] if path.startswith("/api/") else body)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(("path", "content_type", "start"), HALF_SENT)
async def test_a_client_that_leaves_half_way_is_one_line_in_the_log(
    bot_server, caplog, path, content_type, start
):
    _, writer = await send_half(bot_server, path, content_type, start)
    await asyncio.sleep(0.1)
    writer.close()
    for _ in range(100):
        if any("left" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.05)
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in lines] == [
        f"POST {path}: the client left before its body arrived"
    ]
    assert lines[0].exc_info is None


async def test_a_route_may_work_long_once_its_body_is_in(aiohttp_server, monkeypatch):
    monkeypatch.setattr(site, "BODY_TIMEOUT_S", 0.3)

    async def slow_work(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(0.6)
        return web.Response(text="xong")

    app = web.Application()
    site.secure_site(app)
    app.router.add_post("/work", slow_work)
    server = await aiohttp_server(app)
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
    await writer.drain()
    await asyncio.sleep(0.1)  # the rest of the body, well in time
    writer.write(b"cd")
    status, body = await asyncio.wait_for(response_to(reader), timeout=5)
    writer.close()
    assert (status, body) == (200, "xong")


async def response_to(reader: asyncio.StreamReader) -> tuple[int, str]:
    """The status and body of one HTTP/1.1 response with a Content-Length."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    length = next(
        int(line.split(":", 1)[1])
        for line in head.split("\r\n")
        if line.lower().startswith("content-length:")
    )
    return int(head.split()[1]), (await reader.readexactly(length)).decode()


async def test_a_half_sent_request_head_is_closed_even_while_bytes_trickle_in(bot_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", bot_server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")

    async def trickle() -> None:
        with contextlib.suppress(ConnectionError):
            for _ in range(100):
                await asyncio.sleep(0.1)
                writer.write(b"X")
                await writer.drain()

    trickling = asyncio.create_task(trickle())
    try:
        assert await asyncio.wait_for(reader.read(), CLOSED_WITHIN_S) == b""
    finally:
        trickling.cancel()
        writer.close()


async def test_a_slow_but_complete_request_is_served_then_the_idle_connection_closed(bot_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", bot_server)
    for part in (b"GET /heal", b"thz HTTP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
        writer.write(part)
        await writer.drain()
        await asyncio.sleep(0.05)
    # Kept alive after the answer, then closed for idling: read() ends at that close.
    answer = await asyncio.wait_for(reader.read(), CLOSED_WITHIN_S)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"ok": true' in answer
