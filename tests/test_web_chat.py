"""The web chat over real HTTP: the JSON API contract, bad requests, the inbox, the page."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.channels.web import WebChannel
from bot.core import Button, Reply


@pytest.fixture
async def client(aiohttp_client, database, dispatcher):
    channel = WebChannel(database.sessions)
    await channel.start(dispatcher.dispatch)
    app = web.Application()
    app.add_routes(channel.web_routes())
    client = await aiohttp_client(app)
    client.channel = channel
    return client


async def post(client, body):
    response = await client.post("/api/chat", json=body)
    return response.status, await response.json()


async def test_start_answers_with_the_exact_shape(client):
    status, body = await post(client, {"user_id": "web-1", "text": "/start"})
    assert status == 200
    assert list(body) == ["replies"]
    reply = body["replies"][0]
    assert set(reply) == {"text", "buttons"}
    assert "Loa phường" in reply["text"]
    assert {"text": "Chọn chủ đề nhận tin", "data": "sub:topics"} in reply["buttons"]


async def test_buttons_drive_the_topic_dialogue(client):
    await post(client, {"user_id": "web-2", "text": "/start"})
    _, body = await post(client, {"user_id": "web-2", "button": "sub:topics"})
    assert any(b["data"] == "topic:tre_em" for b in body["replies"][0]["buttons"])
    _, body = await post(client, {"user_id": "web-2", "button": "topic:tre_em"})
    assert "Trẻ em" in body["replies"][0]["text"]
    _, body = await post(client, {"user_id": "web-2", "text": "/dungnhan"})
    assert "/start" in body["replies"][0]["text"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"text": "/start"}, "user_id"),
        ({"user_id": "", "text": "/start"}, "user_id"),
        ({"user_id": "a b", "text": "/start"}, "user_id"),
        ({"user_id": "x"}, "text hoặc button"),
        ({"user_id": "x", "text": "a", "button": "b"}, "text hoặc button"),
        ({"user_id": "x", "text": 5}, "text"),
        ({"user_id": "x", "text": "a" * 4097}, "4096"),
        ({"user_id": "x", "button": "b" * 65}, "button"),
        (["not", "an", "object"], "đối tượng"),
    ],
)
async def test_bad_requests_get_a_clear_400(client, body, complaint):
    status, answer = await post(client, body)
    assert status == 400
    assert complaint in answer["error"]


async def test_malformed_json_is_a_400(client):
    response = await client.post(
        "/api/chat", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "JSON" in (await response.json())["error"]


async def test_broadcasts_reach_the_page_through_the_inbox(client):
    await client.channel.send(
        "web-3", Reply("**Cảnh báo** sốt xuất huyết", [Button("Xem thêm", "faq:dengue")])
    )
    await client.channel.send("web-3", Reply("Tin thứ hai"))
    await client.channel.send("someone-else", Reply("Không phải của bạn"))
    response = await client.get("/api/inbox", params={"user_id": "web-3"})
    messages = (await response.json())["messages"]
    assert [m["text"] for m in messages] == ["**Cảnh báo** sốt xuất huyết", "Tin thứ hai"]
    assert messages[0]["buttons"] == [{"text": "Xem thêm", "data": "faq:dengue"}]
    response = await client.get(
        "/api/inbox", params={"user_id": "web-3", "after": messages[0]["id"]}
    )
    assert [m["text"] for m in (await response.json())["messages"]] == ["Tin thứ hai"]
    assert (await client.get("/api/inbox", params={"user_id": "bad id"})).status == 400


async def test_the_page_is_served_with_its_script(client):
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert 'lang="vi"' in html and "/static/chat.js" in html
    script = await client.get("/static/chat.js")
    assert script.status == 200 and "/api/chat" in await script.text()
