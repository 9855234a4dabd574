"""The web chat over real HTTP: the JSON API contract, bad requests, the inbox, the page —
and the page itself in headless Chromium when a network or the server fails it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from bot.channels.web import STATIC_DIR, WebChannel, page_frame
from bot.core import Button, Reply

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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


async def test_the_page_frame_follows_the_language_chosen_in_the_chat(client):
    frame = await (await client.get("/api/frame?user_id=web-3")).json()
    assert (frame["lang"], frame["send"]) == ("vi", "Gửi")
    await post(client, {"user_id": "web-3", "text": "/start"})
    await post(client, {"user_id": "web-3", "button": "lang:en"})
    frame = await (await client.get("/api/frame?user_id=web-3")).json()
    assert frame == {
        "lang": "en",
        "tagline": "Messages from your ward health station",
        "placeholder": "Type a message or a question…",
        "send": "Send",
        "label": "Message",
    }
    assert (await client.get("/api/frame?user_id=../x")).status == 400


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


class FlakyApi:
    """Stands in for the server behind the page: answers, fails, or is unreachable."""

    WELCOME = {
        "replies": [
            {
                "text": "Chào bà con! Đây là **Loa phường**.",
                "buttons": [{"text": "Chọn chủ đề nhận tin", "data": "sub:topics"}],
            }
        ]
    }
    # how /api/chat answers → (status, content type, body); None: the network is down
    ANSWERS: dict[str, tuple[int, str, str] | None] = {
        "ok": (200, "application/json", json.dumps(WELCOME)),
        "offline": None,
        "bad_request": (400, "application/json", json.dumps({"error": "text quá dài."})),
        "proxy_error": (502, "text/html", "<html>502 Bad Gateway</html>"),
    }

    def __init__(self) -> None:
        self.mode = "ok"
        self.sent: list[dict[str, Any]] = []
        self.frame = page_frame("vi")

    def handle(self, route: Any) -> None:
        path = route.request.url.split("chat.test", 1)[1].split("?")[0]
        if path == "/api/chat":
            self.sent.append(json.loads(route.request.post_data))
            answer = self.ANSWERS[self.mode]
            if answer is None:
                route.abort("internetdisconnected")
            else:
                status, content_type, body = answer
                route.fulfill(status=status, content_type=content_type, body=body)
        elif path == "/api/inbox":
            route.fulfill(json={"messages": []})
        elif path == "/api/frame":
            route.fulfill(json=self.frame)
        else:
            route.fulfill(path=STATIC_DIR / ("chat.html" if path == "/" else path[8:]))


@pytest.fixture
def chat_page() -> Iterator[tuple[Any, FlakyApi]]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: `apt-get install chromium`")
    api = FlakyApi()
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.route("http://chat.test/**", api.handle)
        yield page, api
        browser.close()


def test_the_page_says_what_went_wrong_and_keeps_what_was_typed(chat_page):
    from playwright.sync_api import expect

    page, api = chat_page
    log, box = page.locator("#log"), page.locator("#text")

    def say(text: str) -> None:
        box.fill(text)
        box.press("Enter")

    api.mode = "offline"
    page.goto("http://chat.test/")
    expect(log).to_contain_text("Không kết nối được máy chủ")
    api.mode = "ok"
    page.reload()  # the first /start never arrived: the next visit sends it again
    expect(log).to_contain_text("Đây là Loa phường")
    page.reload()
    expect(log).to_contain_text("Gõ /trogiup")
    assert [m.get("text") for m in api.sent] == ["/start", "/start"]

    api.mode = "offline"
    say("giờ mở cửa trạm y tế")
    expect(log).to_contain_text("kiểm tra mạng")
    expect(box).to_have_value("giờ mở cửa trạm y tế")  # given back, not lost
    api.mode = "bad_request"
    say("giờ mở cửa")
    expect(log).to_contain_text("Tin chưa gửi được: text quá dài.")
    api.mode = "proxy_error"
    say("giờ mở cửa")
    expect(log).to_contain_text("Máy chủ đang trục trặc")

    api.mode = "ok"
    say("/start")
    page.get_by_role("button", name="Chọn chủ đề nhận tin").last.click()
    expect(log.locator(".me").last).to_have_text("Chọn chủ đề nhận tin")
    assert api.sent[-1] == {"user_id": api.sent[0]["user_id"], "button": "sub:topics"}

    api.frame = page_frame("en")  # the resident chose English
    say("english")
    expect(page.locator("#composer button")).to_have_text("Send")
    expect(box).to_have_attribute("placeholder", "Type a message or a question…")
    page.reload()  # remembered on this browser
    expect(page.locator("#composer button")).to_have_text("Send")
