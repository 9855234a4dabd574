"""The web chat over real HTTP: the JSON API contract, bad requests, the inbox, the page —
and the page itself in headless Chromium when a network or the server fails it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.channels.web import STATIC_DIR, WebChannel, page_frame
from bot.core import Button, Reply
from bot.web.cookies import cookie
from bot.web.identity import COOKIE_NAME as IDENTITY_COOKIE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def client(aiohttp_client, database, dispatcher):
    channel = WebChannel(database.sessions, api_token=API_TOKEN)
    await channel.start(dispatcher.dispatch)
    app = web.Application()
    app.add_routes(channel.web_routes())
    client = await aiohttp_client(app)
    client.channel = channel
    return client


API_TOKEN = "kiosk-token-dai-va-ngau-nhien"


async def post(client, body):
    response = await client.post("/api/chat", json=body)
    return response.status, await response.json()


def resident_of(client) -> str:
    """The resident id the server gave this client (the signed cookie's first part)."""
    [cookie] = [c for c in client.session.cookie_jar if c.key == IDENTITY_COOKIE]
    return cookie.value.partition(".")[0]


async def test_start_answers_with_the_exact_shape(client):
    status, body = await post(client, {"text": "/start"})
    assert status == 200
    assert list(body) == ["replies"]
    reply = body["replies"][0]
    assert set(reply) == {"text", "buttons"}
    assert "Loa phường" in reply["text"]
    assert {"text": "Chọn chủ đề nhận tin", "data": "sub:topics"} in reply["buttons"]


async def test_buttons_drive_the_topic_dialogue(client):
    await post(client, {"text": "/start"})
    _, body = await post(client, {"button": "sub:topics"})
    assert any(b["data"] == "topic:tre_em" for b in body["replies"][0]["buttons"])
    _, body = await post(client, {"button": "topic:tre_em"})
    assert "Trẻ em" in body["replies"][0]["text"]
    _, body = await post(client, {"text": "/dungnhan"})
    assert "/start" in body["replies"][0]["text"]


async def test_a_posted_or_forged_id_is_nobody(client, aiohttp_client, database):
    """Knowing someone's resident id gives neither their chat nor their inbox."""
    await post(client, {"text": "/start"})
    await post(client, {"button": "sub:topics"})
    victim = resident_of(client)
    await client.channel.send(victim, Reply("Trả lời riêng cho bà con"))
    intruder = await aiohttp_client(client.app)
    status, _ = await post(intruder, {"user_id": victim, "text": "/chude"})
    assert status == 200 and resident_of(intruder) != victim
    intruder.session.cookie_jar.clear()
    for forged in (victim, f"{victim}.AAAA", f"{victim}."):
        cookie = {"Cookie": f"{IDENTITY_COOKIE}={forged}"}
        inbox = await intruder.get("/api/inbox", params={"user_id": victim}, headers=cookie)
        history = await intruder.get("/api/history", params={"user_id": victim}, headers=cookie)
        assert (await inbox.json())["messages"] == []
        assert (await history.json())["messages"] == []


async def test_the_chat_survives_a_reload(client):
    await post(client, {"text": "/start"})
    await post(client, {"button": "sub:topics"})
    await client.channel.send(resident_of(client), Reply("Tin từ trạm"))
    messages = (await (await client.get("/api/history")).json())["messages"]
    assert [m["role"] for m in messages] == ["me", "reply", "reply", "inbox"]
    assert messages[0]["text"] == "/start" and messages[-1]["text"] == "Tin từ trạm"
    assert any(b["data"] == "topic:tre_em" for b in messages[2]["buttons"])


async def test_new_chats_per_address_are_limited_politely(client, monkeypatch):
    monkeypatch.setattr(client.channel._identities, "new_per_hour", 2)
    for _ in range(2):
        client.session.cookie_jar.clear()
        assert (await post(client, {"text": "/start"}))[0] == 200
    client.session.cookie_jar.clear()
    status, body = await post(client, {"text": "/start"})
    assert status == 429 and "thử lại sau ít phút" in body["error"]
    assert (await post(client, {"text": "/start"}))[0] == 429
    monkeypatch.setattr(client.channel._identities, "new_per_hour", 3)
    assert (await post(client, {"text": "/start"}))[0] == 200
    assert (await post(client, {"text": "/chude"}))[0] == 200  # a known chat is not counted


async def test_integrations_need_their_token_and_get_their_own_ids(client):
    body = {"user_id": "kiosk-1", "text": "/start"}
    for headers in ({}, {"Authorization": "Bearer sai"}):
        response = await client.post("/api/integration/chat", json=body, headers=headers)
        assert response.status == 401 and "WEB_API_TOKEN" in (await response.json())["error"]
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    response = await client.post("/api/integration/chat", json=body, headers=auth)
    assert response.status == 200 and "Loa phường" in (await response.json())["replies"][0]["text"]
    await client.channel.send("ext-kiosk-1", Reply("Tin cho kiosk"))
    inbox = await client.get("/api/integration/inbox", params={"user_id": "kiosk-1"}, headers=auth)
    assert [m["text"] for m in (await inbox.json())["messages"]] == ["Tin cho kiosk"]
    bad = await client.post(
        "/api/integration/chat", json={"user_id": "staff:1", "text": "/canhbao"}, headers=auth
    )
    assert bad.status == 400


async def test_the_page_frame_follows_the_language_chosen_in_the_chat(client):
    frame = await (await client.get("/api/frame")).json()
    assert (frame["lang"], frame["send"]) == ("vi", "Gửi")
    await post(client, {"text": "/start"})
    await post(client, {"button": "lang:en"})
    frame = await (await client.get("/api/frame")).json()
    assert frame == {
        "lang": "en",
        "tagline": "Messages from your ward health station",
        "placeholder": "Type a message or a question…",
        "send": "Send",
        "label": "Message",
    }
    client.session.cookie_jar.clear()  # another browser: its own (default) words
    assert (await (await client.get("/api/frame")).json())["lang"] == "vi"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({}, "text hoặc button"),
        ({"text": "a", "button": "b"}, "text hoặc button"),
        ({"text": 5}, "text"),
        ({"text": "a" * 4097}, "4096"),
        ({"button": "b" * 65}, "button"),
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
    await post(client, {"text": "/start"})
    me = resident_of(client)
    await client.channel.send(
        me, Reply("**Cảnh báo** sốt xuất huyết", [Button("Xem thêm", "faq:dengue")])
    )
    await client.channel.send(me, Reply("Tin thứ hai"))
    await client.channel.send("someone-else", Reply("Không phải của bạn"))
    response = await client.get("/api/inbox")
    messages = (await response.json())["messages"]
    assert [m["text"] for m in messages] == ["**Cảnh báo** sốt xuất huyết", "Tin thứ hai"]
    assert messages[0]["buttons"] == [{"text": "Xem thêm", "data": "faq:dengue"}]
    response = await client.get("/api/inbox", params={"after": messages[0]["id"]})
    assert [m["text"] for m in (await response.json())["messages"]] == ["Tin thứ hai"]
    assert (await client.get("/api/inbox", params={"after": "x"})).status == 400


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
        elif path in ("/api/inbox", "/api/history"):
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
    assert api.sent[-1] == {"button": "sub:topics"}  # no id: the server's cookie says who

    api.frame = page_frame("en")  # the resident chose English
    say("english")
    expect(page.locator("#composer button")).to_have_text("Send")
    expect(box).to_have_attribute("placeholder", "Type a message or a question…")
    page.reload()  # remembered on this browser
    expect(page.locator("#composer button")).to_have_text("Send")


async def test_the_real_page_keeps_the_chat_across_a_reload(client):
    """chat.js against the real API: /start once, a reload shows the conversation again."""
    async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: `apt-get install chromium`")
    async with async_api.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = await browser.new_page()
        await page.goto(str(client.make_url("/")))
        log = page.locator("#log")
        await async_api.expect(log).to_contain_text("Loa phường")
        await page.fill("#text", "giờ mở cửa trạm y tế")
        await page.press("#text", "Enter")
        await async_api.expect(log.locator(".me")).to_have_count(2)
        await async_api.expect(log.locator(".bot")).to_have_count(2)  # welcome, the answer
        before = await log.locator(".msg").all_inner_texts()
        await page.reload()
        await async_api.expect(log.locator(".msg")).to_have_count(len(before))
        assert await log.locator(".msg").all_inner_texts() == before
        await browser.close()


@pytest.mark.parametrize(
    "header",
    [
        f"{IDENTITY_COOKIE}=web-abc.signature",
        f'theme=dark; {IDENTITY_COOKIE}="web-abc.sig\\"x"; loaphuong_admin=t',
        f"not a cookie; {IDENTITY_COOKIE}=web-def.sig; {IDENTITY_COOKIE}=second",
        "theme=dark",
        "",
    ],
)
def test_a_remembered_cookie_reads_as_aiohttp_reads_it(header):
    request = make_mocked_request("POST", "/api/chat", headers={"Cookie": header})
    for _twice in range(2):
        assert cookie(request, IDENTITY_COOKIE) == request.cookies.get(IDENTITY_COOKIE)
