"""Bad input on the web chat API and the webhooks: a clean 400 (one log line, no
traceback) or a polite reply, never a 500; a half-sent request times out."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.web import safe_json
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


async def test_a_half_sent_body_times_out(client, monkeypatch):
    monkeypatch.setattr(safe_json, "READ_TIMEOUT_S", 0.2)
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"user_id": "u1", '
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    assert status_line.split()[1] == b"400"
    body = (await reader.read(2000)).partition(b"\r\n\r\n")[2]
    assert "chậm" in json.loads(body)["error"]
