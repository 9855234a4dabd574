"""Telegram adapter (python-telegram-bot).

Polling by default; webhook when WEBHOOK_URL is set, answering only requests
that carry the right X-Telegram-Bot-Api-Secret-Token. TELEGRAM_API_BASE_URL
points it at any Bot-API-compatible server (a local fake, a self-hosted one).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

import aiohttp
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, TypeHandler
from telegram.request import HTTPXRequest

from bot.channels.base import Dispatch, FailureKind, SendError, Sent, secret_header_ok
from bot.channels.markdown import to_telegram_html
from bot.config import ConfigError, Settings
from bot.core import ChatKind, Incoming, Reply
from bot.i18n import translator
from bot.web.safe_json import BadJson, read_json_object

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
# Texts are split as Markdown, sent as HTML: **bold** becomes <b>bold</b>, a little
# longer. Splitting with this margin keeps every HTML part under Telegram's 4,096.
SPLIT_AT = 3800
MAX_CAPTION = 1024
# Likewise for captions: Markdown split at this length stays under MAX_CAPTION in HTML.
CAPTION_SPLIT_AT = 900
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP}
# Messages a second Telegram allows for free; beyond it every send must say it accepts
# the fee (allow_paid_broadcast), or it is answered 429 (https://core.telegram.org/bots/faq).
FREE_RATE = 30


class ForgivingBot(ExtBot):
    """Reads each update of a getUpdates batch on its own.

    PTB reads a batch as one: a single update it cannot read (a sender without a
    first_name, …) fails the whole batch, which PTB logs in full (names, phone numbers)
    and asks for again with the same offset, forever. Here an unreadable update becomes
    an empty one with its update_id, so polling confirms it and goes on.
    """

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        result = await super()._do_post(endpoint, data, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        return [readable[0] for raw in result if (readable := _readable(raw, self)) is not None]


def _readable(raw: object, bot: Bot) -> tuple[dict[str, Any], Update] | None:
    """`raw` and the Update PTB reads from it; if PTB cannot read it, an empty update
    with its id (both ways); None when it has no update_id at all. Logs the id only:
    the rest may hold names, phones."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if not isinstance(update_id, int):
        log.warning("telegram: something that is not an update skipped")
        return None
    try:
        return raw, Update.de_json(raw, bot)  # type: ignore[arg-type,return-value]
    except Exception:  # PTB raises whatever the constructor meets: TypeError, KeyError, …
        log.warning("telegram: update %d could not be read, skipped", update_id)
        empty = {"update_id": update_id}
        return empty, Update.de_json(empty, bot)


class TelegramChannel:
    name = "telegram"
    max_text_length = SPLIT_AT
    max_caption_length = CAPTION_SPLIT_AT

    # As many connections as the outbox keeps sends in flight (Tuning.max_in_flight): at
    # ~100-300 ms per Bot API call, 1,000 messages/s need a few hundred at once.
    def __init__(self, settings: Settings, *, connection_pool_size: int = 256) -> None:
        self._webhook_url = settings.webhook_url
        self._webhook_secret = settings.webhook_secret.encode()
        self._base_url = settings.telegram_api_base_url
        self._token = settings.telegram_bot_token
        self._paid = settings.telegram_rate_per_second > FREE_RATE
        bot = ForgivingBot(
            token=settings.telegram_bot_token,
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_api_base_url.replace("/bot", "/file/bot", 1),
            request=HTTPXRequest(connection_pool_size=connection_pool_size, pool_timeout=30),
            get_updates_request=HTTPXRequest(),
        )
        builder: ApplicationBuilder = Application.builder().bot(bot)
        if self._webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._dispatch: Dispatch | None = None
        self._api = f"{settings.telegram_api_base_url}{settings.telegram_bot_token}"
        self._pool_size = connection_pool_size
        self._session: aiohttp.ClientSession | None = None
        # Seconds one outbox send may take before it counts as a transient failure.
        self.send_timeout = 20.0

    @property
    def bot(self) -> Bot:
        return self.application.bot

    async def start(self, dispatch: Dispatch) -> None:
        """Connect and start receiving; a server that refuses us is a ConfigError."""
        self._dispatch = dispatch
        try:
            await self._connect()
        except InvalidToken:
            raise ConfigError(
                f"cấu hình sai: TELEGRAM_BOT_TOKEN: máy chủ {self._base_url} không nhận token "
                "này; lấy lại token từ BotFather (hoặc sửa TELEGRAM_API_BASE_URL, phải kết "
                "thúc bằng /bot)"
            ) from None
        except NetworkError as exc:
            reason = exc.message.replace(self._token, "***")
            raise ConfigError(
                f"cấu hình sai: TELEGRAM_API_BASE_URL: không kết nối được {self._base_url} "
                f"({reason})"
            ) from None

    async def _connect(self) -> None:
        await self.application.initialize()
        await self.application.start()
        await self._set_menu()
        if self._webhook_url:
            await self.bot.set_webhook(
                self._webhook_url,
                secret_token=self._webhook_secret.decode(),
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram: webhook mode")
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: polling mode")

    async def _set_menu(self) -> None:
        """The menu Telegram shows beside the text box: the residents' commands, in
        Vietnamese (and in English for English-language apps). A refusal costs only the
        menu, never the start."""
        try:
            await self.bot.set_my_commands(_menu(None))
            await self.bot.set_my_commands(_menu("en"), language_code="en")
        except TelegramError as exc:
            log.warning("telegram: the command menu was not set (%s)", exc.message)

    async def stop(self) -> None:
        updater = self.application.updater
        if updater and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self._session is not None:
            await self._session.close()

    def web_routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)] if self._webhook_url else []

    async def webhook(self, request: web.Request) -> web.Response:
        if not secret_header_ok(request, SECRET_HEADER, self._webhook_secret):
            log.warning("telegram webhook: wrong or missing secret token, refused")
            return web.Response(status=403)
        # Telegram re-sends whatever is not answered 2xx, holding back the updates behind
        # it: an update we cannot read is skipped and still answered 200.
        try:
            data = await read_json_object(request)
        except BadJson:
            return web.Response()
        readable = _readable(data, self.bot)
        if readable is not None:
            await self.application.update_queue.put(readable[1])
        return web.Response()

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        """The outbox's path: one plain HTTP call. PTB's Bot costs ~3 ms of CPU per
        message, which caps a broadcast near 300/s; paid broadcasts need 1,000/s."""
        method, payload = _payload(chat_id, reply, paid=self._paid)
        try:
            async with self._http().post(f"{self._api}/{method}", json=payload) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendError(FailureKind.TRANSIENT, repr(exc)) from exc
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"description": f"HTTP {status}: {raw[:200]!r}"}
        if status == 200 and body.get("ok"):
            return Sent(str(body["result"]["message_id"]))
        raise _send_error(status, body)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=aiohttp.ClientTimeout(total=self.send_timeout),
            )
        return self._session

    async def group_admin_ids(self, chat_id: str) -> set[str]:
        admins = await self.bot.get_chat_administrators(chat_id)
        return {str(member.user.id) for member in admins}

    async def pin(self, chat_id: str, message_id: str) -> None:
        await self.bot.pin_chat_message(chat_id, int(message_id), disable_notification=False)

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = await self._to_incoming(update)
        if incoming is not None and self._dispatch is not None:
            incoming = replace(incoming, update_key=str(update.update_id))
            await self._dispatch(incoming)  # it answers through the pacer

    async def _to_incoming(self, update: Update) -> Incoming | None:
        if update.callback_query:
            return await self._from_button(update)
        if update.my_chat_member:
            return _from_membership(update.my_chat_member)
        if update.edited_message:
            log.info("telegram: edited message skipped")
            return None
        message = update.message
        if message is None or message.from_user is None:
            log.info("telegram: update without a message skipped (%s)", _update_kind(update))
            return None
        if message.new_chat_members and any(u.id == self.bot.id for u in message.new_chat_members):
            return None  # my_chat_member carries the same news
        incoming = self._from_message(message)
        addressee = incoming.command_addressee
        if addressee and addressee.lower() != self.bot.username.lower():
            log.info("telegram: a command for another bot skipped")
            return None
        return incoming

    async def _from_button(self, update: Update) -> Incoming | None:
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError as exc:
            # "query is too old" for presses queued while the bot was down: still a press.
            log.warning("telegram: could not stop a button spinning (%s)", exc.message)
        chat = query.message.chat if query.message else None
        return Incoming(
            channel=self.name,
            chat_id=str(chat.id if chat else query.from_user.id),
            user_id=str(query.from_user.id),
            chat_kind=ChatKind.GROUP if chat and chat.type in GROUP_TYPES else ChatKind.PRIVATE,
            button=query.data or "",
        )

    def _from_message(self, message: Message) -> Incoming:
        assert message.from_user is not None
        is_group = message.chat.type in GROUP_TYPES
        text = message.text or message.caption
        return Incoming(
            channel=self.name,
            chat_id=str(message.chat.id),
            user_id=str(message.from_user.id),
            chat_kind=ChatKind.GROUP if is_group else ChatKind.PRIVATE,
            text=text,
            addressed=not is_group or self._addressed(message),
            photo=message.photo[-1].file_id if message.photo else None,
        )

    def _addressed(self, message: Message) -> bool:
        text = message.text or message.caption or ""
        username = self.bot.username if self.bot._bot_user else None
        if username and f"@{username}".lower() in text.lower():
            return True
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == self.bot.id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: error while handling %s: %r", _update_kind(update), context.error)


def _from_membership(change: ChatMemberUpdated) -> Incoming | None:
    chat = change.chat
    status = change.new_chat_member.status
    joined = status in ("member", "administrator")
    event = "bot_added" if joined else "bot_removed"
    if chat.type not in GROUP_TYPES:
        # In a private chat "kicked" means the resident blocked the bot.
        event = "bot_blocked" if status == "kicked" else None
        if event is None:
            return None
    return Incoming(
        channel="telegram",
        chat_id=str(chat.id),
        user_id=str(change.from_user.id),
        chat_kind=ChatKind.GROUP if chat.type in GROUP_TYPES else ChatKind.PRIVATE,
        event=event,
    )


def _menu(locale: str | None) -> list[BotCommand]:
    """The residents' commands, as /trogiup lists them."""
    _ = translator(locale)
    return [
        BotCommand("start", _("Bắt đầu, nhận tin sức khỏe")),
        BotCommand("chude", _("Chọn chủ đề, tổ dân phố, ngôn ngữ")),
        BotCommand("dangky", _("Đăng ký khám sàng lọc miễn phí")),
        BotCommand("huy", _("Hủy lịch khám đã đăng ký")),
        BotCommand("sdt", _("Cho số điện thoại để trạm mời đi khám")),
        BotCommand("hoi", _("Hỏi đáp về sức khỏe")),
        BotCommand("baotin", _("Báo tin đồn, tin giả về sức khỏe")),
        BotCommand("diemtin", _("Điểm tin y tế: hằng ngày, hằng tuần, hằng tháng")),
        BotCommand("khaosat", _("Góp ý cho trạm")),
        BotCommand("xoadulieu", _("Xóa dữ liệu cá nhân")),
        BotCommand("dungnhan", _("Dừng nhận tin")),
        BotCommand("trogiup", _("Xem các lệnh")),
    ]


# A broadcast renders the same Markdown for every recipient.
_html = lru_cache(maxsize=128)(to_telegram_html)


def _payload(chat_id: str, reply: Reply, *, paid: bool) -> tuple[str, dict[str, Any]]:
    """The Bot API method and JSON body for one outbox message."""
    html = _html(reply.text)
    payload: dict[str, Any] = {"chat_id": chat_id, "parse_mode": ParseMode.HTML.value}
    if paid:
        payload["allow_paid_broadcast"] = True
    markup = _keyboard(reply)
    if markup is not None:
        payload["reply_markup"] = markup.to_dict()
    if reply.photo:
        # The outbox splits a first part to max_caption_length, so the caption fits as it is.
        return "sendPhoto", {**payload, "photo": reply.photo, "caption": html}
    return "sendMessage", {**payload, "text": html}


def _send_error(status: int, body: dict[str, Any]) -> SendError:
    """A Bot API error answer as the outbox understands it."""
    reason = str(body.get("description") or f"HTTP {status}")
    parameters = body.get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        new_chat_id = str(parameters["migrate_to_chat_id"])
        return SendError(FailureKind.MIGRATED, reason, new_chat_id=new_chat_id)
    if status == 429 or parameters.get("retry_after"):
        retry_after = float(parameters.get("retry_after") or 1)
        return SendError(FailureKind.THROTTLED, reason, retry_after=retry_after)
    if status == 403:
        return SendError(FailureKind.BLOCKED, reason)
    if status == 400:
        return SendError(FailureKind.INVALID, reason)
    return SendError(FailureKind.TRANSIENT, reason)


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = [[InlineKeyboardButton(b.text, callback_data=b.data)] for b in reply.buttons]
    return InlineKeyboardMarkup(rows)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _update_kind(update: object) -> str:
    if isinstance(update, Update):
        return ",".join(k for k in update.to_dict() if k != "update_id") or "empty"
    return type(update).__name__


__all__ = ["TelegramChannel", "TelegramError"]
