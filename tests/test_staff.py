"""Staff accounts: the CLI, password checks, and chat roles from linked accounts."""

from __future__ import annotations

import pytest

from bot.core import Reply
from bot.routing import Router
from bot.staff import StaffError, add_staff, check_password
from tests.helpers import ChatDriver


def test_add_list_remove(cli):
    assert (
        cli(
            "staff", "add", "lan", "--role", "admin", "--password-stdin", stdin="mat-khau-rat-dai\n"
        )[0]
        == 0
    )
    assert cli("staff", "add", "minh", "--telegram-id", "777")[0] == 0
    code, out, _ = cli("staff", "list")
    assert code == 0 and "lan" in out and "admin" in out and "777" in out
    assert cli("staff", "remove", "minh")[0] == 0
    assert "minh" not in cli("staff", "list")[1]


@pytest.mark.parametrize(
    ("argv", "stdin", "complaint"),
    [
        (("staff", "add", "a", "--password-stdin"), "ngan\n", "ít nhất 10"),
        (("staff", "add", "a", "--password-stdin"), "1234567890\n", "quá dễ đoán"),
        (("staff", "add", "a", "--password-stdin"), "matkhau2026\n", "quá dễ đoán"),
        (("staff", "password", "khong-co"), "mat-khau-rat-dai\n", "không có cán bộ"),
        (("staff", "add", "a", "--password-stdin"), "", "stdin"),
        (("staff", "add", "a", "--telegram-id", "abc"), "", "phải là số"),
        (("staff", "remove", "khong-co"), "", "không có cán bộ"),
    ],
)
def test_mistakes_are_one_clear_line(cli, argv, stdin, complaint):
    code, _, err = cli(*argv, stdin=stdin)
    assert code == 2 and complaint in err and err.count("\n") == 1


def _typed(monkeypatch, *answers):
    """The terminal prompt, answered with `answers` in turn."""
    given = iter(answers)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(given))


def test_password_asked_twice_hidden_and_kept(cli, monkeypatch):
    _typed(monkeypatch, "mèo đen nằm dưới gốc khế", "mèo đen nằm dưới gốc khế")
    assert cli("staff", "add", "lan", "--role", "admin", "--password")[0] == 0
    assert "lan" in cli("staff", "list")[1]


def test_password_typed_differently_saves_nothing(cli, monkeypatch):
    _typed(monkeypatch, "mèo đen nằm dưới gốc khế", "mèo đen nằm dưới gốc khe")
    code, _, err = cli("staff", "add", "lan", "--password")
    assert code == 2 and "không khớp" in err
    assert "lan" not in cli("staff", "list")[1]


def test_the_readme_example_password_is_refused(cli):
    code, _, err = cli("staff", "add", "a", "--password-stdin", stdin="bốn con mèo ăn cơm trưa\n")
    assert code == 2 and "quá dễ đoán" in err


def test_duplicate_name_is_refused(cli):
    cli("staff", "add", "lan")
    code, _, err = cli("staff", "add", "lan")
    assert code == 2 and "đã có" in err


async def test_password_check(database):
    async with database.sessions() as session:
        await add_staff(session, "lan", "staff", password="mat-khau-rat-dai")
        assert (await check_password(session, "lan", "mat-khau-rat-dai")).name == "lan"
        assert await check_password(session, "lan", "sai-mat-khau") is None
        assert await check_password(session, "khong-co", "mat-khau-rat-dai") is None
        with pytest.raises(StaffError):
            await add_staff(session, "x", "boss")


async def test_linked_telegram_account_gets_staff_commands(services, database):
    from bot.app import build_dispatcher
    from handlers import ROUTERS

    router = Router("probe")

    @router.command("probe_admin", role="admin")
    async def probe(_incoming, _ctx):
        return Reply("ok")

    async with database.sessions() as session:
        await add_staff(session, "lan", "admin", telegram_id="4242")
    dispatcher = build_dispatcher(services, [*ROUTERS, router])
    linked = ChatDriver(dispatcher, user_id="4242", channel="telegram")
    stranger = ChatDriver(dispatcher, user_id="4243", channel="telegram")
    configured_staff = ChatDriver(dispatcher, user_id="9001", channel="telegram")
    assert (await linked.send("/probe_admin"))[0].text == "ok"
    assert "chỉ dành cho cán bộ" in (await stranger.send("/probe_admin"))[0].text
    # STAFF_IDS grants "staff", which is below "admin".
    assert "chỉ dành cho cán bộ" in (await configured_staff.send("/probe_admin"))[0].text


async def test_staff_help_lists_the_staff_commands_for_staff_only(services, dispatcher):
    from bot.core import Incoming
    from bot.routing import Context
    from handlers.staff_tools import staff_help

    def context(user_id: str) -> tuple[Incoming, Context]:
        incoming = Incoming(channel="telegram", chat_id=user_id, user_id=user_id, text="/trogiup")
        return incoming, Context(services, incoming, "vi")

    section = await staff_help(*context("9001"))  # STAFF_IDS in tests/conftest.py
    assert section is not None
    assert all(f"/{c}" in section for c in ("canhbao", "duyet", "tindon", "thongke", "chuyentiep"))
    assert await staff_help(*context("5000")) is None
