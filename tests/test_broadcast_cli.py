"""`loaphuong broadcast send|status|cancel` on a real migrated SQLite file."""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli.broadcast import spread_window
from bot.models.core import AuditLog, Subscriber, SubscriberTopic
from bot.models.outbox import Broadcast, OutboxMessage

STATION_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def residents(database):
    """Tổ 3: two residents (one follows outbreaks only); Tổ 5: one following everything."""
    async with database.sessions() as session:
        for chat_id, area, topic in [("a", "Tổ 3", "chung"), ("b", "Tổ 3", "dich_benh"),
                                     ("c", "Tổ 5", "chung")]:  # fmt: skip
            subscriber = Subscriber(channel="web", chat_id=chat_id, area=area)
            session.add(subscriber)
            await session.flush()
            session.add(SubscriberTopic(subscriber_id=subscriber.id, topic=topic))
        await session.commit()


async def outbox(database) -> list[tuple[str, int, str]]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(Subscriber.chat_id, OutboxMessage.priority, OutboxMessage.status)
            .join(Subscriber, Subscriber.id == OutboxMessage.subscriber_id)
            .order_by(Subscriber.chat_id)
        )
        return [tuple(row) for row in rows]


async def test_send_to_an_area_queues_one_row_per_resident(cli, database, residents):
    code, out, err = cli("broadcast", "send", "--text", "Phun thuốc diệt muỗi", "--area", "to 3",
                         "--as", "lan")  # fmt: skip
    assert code == 0, err
    assert "Đã tạo tin số 1 (thường) cho 2 người nhận." in out
    assert await outbox(database) == [("a", 0, "pending"), ("b", 0, "pending")]
    async with database.sessions() as session:
        audit = (await session.scalars(select(AuditLog))).one()
    assert (audit.actor, audit.action) == ("lan", "broadcast.send")
    assert "2 người nhận" in audit.detail


@pytest.mark.parametrize("topic", ["dich_benh", "Dịch bệnh", "dich benh"])
async def test_topics_by_code_or_name_and_urgency(cli, database, residents, tmp_path, topic):
    message = tmp_path / "tin.md"
    message.write_text("**Cảnh báo sốt xuất huyết**\n\n- Đậy kín nước\n", encoding="utf-8")
    code, out, err = cli("broadcast", "send", "--file", str(message), "--topic", topic,
                         "--urgent")  # fmt: skip
    assert code == 0, err
    assert "(KHẨN) cho 3 người nhận" in out  # "chung" follows every topic
    assert {priority for _, priority, _ in await outbox(database)} == {10}
    async with database.sessions() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
    assert broadcast.text.startswith("**Cảnh báo sốt xuất huyết**") and broadcast.urgent


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--text", "x", "--topic", "thu_cung"],
            "Không có chủ đề thu_cung. Các chủ đề hiện có: chung",
        ),
        (
            ["--text", "x", "--area", "Tổ 99"],
            "Không có tổ dân phố 'Tổ 99'. Các tổ của phường: Tổ 1",
        ),
        (["--text", "   "], "nội dung tin trống"),
        (["--text", "***"], "không có chữ nào để đọc"),
        (["--text", "x" * 10_001], "nội dung quá dài: 10001 ký tự"),
        (["--file", "/nonexistent/tin.md"], "không đọc được tệp"),
        (["--text", "x", "--urgent", "--spread", "2h"], "tin khẩn đi ngay"),
        (["--text", "x", "--spread", "3 giờ"], "khoảng rải tin không hợp lệ"),
        (["--text", "x", "--spread", "13h"], "từ 1 phút đến 12 giờ"),
    ],
)
async def test_bad_requests_are_named_and_queue_nothing(
    cli, capsys, database, residents, argv, says
):
    try:
        code, _, err = cli("broadcast", "send", *argv)
    except SystemExit as refused:  # argparse's own refusal of a bad --spread
        code, err = refused.code, capsys.readouterr().err
    assert code == 2 and says in err
    assert await outbox(database) == []


@pytest.mark.parametrize(
    ("text", "minutes"), [("3h", 180), ("90m", 90), ("1h30m", 90), ("45min", 45)]
)
def test_spread_windows(text, minutes):
    assert spread_window(text).total_seconds() == minutes * 60
    with pytest.raises(argparse.ArgumentTypeError):
        spread_window("0m")


async def test_spread_rows_are_evenly_timed(cli, database, residents, monkeypatch):
    monkeypatch.setenv("QUIET_START", "0")  # no quiet hours, whatever the hour the test runs
    monkeypatch.setenv("QUIET_END", "0")
    code, out, _ = cli("broadcast", "send", "--text", "Khám sàng lọc tuần sau", "--spread", "3h")
    assert code == 0 and "rải đều trong 3 giờ; xong khoảng" in out
    async with database.sessions() as session:
        times = sorted(await session.scalars(select(OutboxMessage.not_before)))
    assert [round((t - times[0]).total_seconds() / 60) for t in times] == [0, 60, 120]


async def test_status_and_cancel(cli, database, residents):
    cli("broadcast", "send", "--text", "Tin một", "--area", "Tổ 3")
    cli("broadcast", "send", "--text", "Tin hai")
    async with database.sessions() as session:
        first = (await session.scalars(select(OutboxMessage))).first()
        first.status = "sent"
        await session.commit()

    code, out, _ = cli("broadcast", "status", "1")
    assert code == 0
    assert out.startswith("Tin số 1: đã gửi 1/2, chờ 1 — ")
    assert "đang chờ gửi" in out
    code, out, _ = cli("broadcast", "status")
    assert [line.split()[0] for line in out.splitlines()] == ["2", "1"]
    assert "1/2 đã gửi" in out.splitlines()[1]
    async with database.sessions() as session:
        created = (await session.get(Broadcast, 1)).created_at.astimezone(STATION_TZ)
    assert f"  {created:%d/%m %H:%M}  Thông báo của trạm  1/2" in out.splitlines()[1]

    code, out, _ = cli("broadcast", "cancel", "2", "--as", "minh")
    assert code == 0 and "3 tin chưa gửi sẽ không gửi nữa" in out
    code, out, _ = cli("broadcast", "status", "2")
    assert "Tin số 2: đã gửi 0/3, đã hủy 3\n" in out
    async with database.sessions() as session:
        actions = list(await session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-1] == "broadcast.cancel"
    code, out, _ = cli("broadcast", "cancel", "2")
    assert code == 0 and "không còn tin nào chờ gửi" in out
    code, _, err = cli("broadcast", "cancel", "99")
    assert code == 2 and "không có tin số 99" in err


async def test_status_names_the_commonest_failures(cli, database, residents):
    cli("broadcast", "send", "--text", "Tin một")
    reasons = ["invalid: Bad Request: chat not found"] * 2 + ["transient: HTTP 502"]
    async with database.sessions() as session:
        for row, reason in zip(await session.scalars(select(OutboxMessage)), reasons, strict=True):
            row.status, row.last_error = "failed", reason
        await session.commit()
    code, out, _ = cli("broadcast", "status", "1")
    assert code == 0 and "lỗi 3" in out
    assert out.splitlines()[1:] == [
        "Lý do lỗi thường gặp:",
        "  2 tin: nền tảng từ chối tin (chat không còn, hoặc tin không hợp lệ) "
        "(Bad Request: chat not found)",
        "  1 tin: lỗi mạng hoặc máy chủ của nền tảng, đã thử lại nhiều lần (HTTP 502)",
    ]


async def test_status_in_a_terminal_draws_a_progress_bar(cli, database, residents, db_url):
    cli("broadcast", "send", "--text", "Tin một", "--area", "Tổ 3")
    async with database.sessions() as session:
        for row in await session.scalars(select(OutboxMessage)):
            row.status = "sent"
        await session.commit()
    terminal, screen = pty.openpty()
    # A fresh pty is 0 columns wide; a real terminal window is not.
    fcntl.ioctl(screen, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    environment = {**os.environ, "DATABASE_URL": db_url}
    finished = subprocess.run(
        [sys.executable, "-m", "bot", "broadcast", "status", "1"],
        stdout=screen, stderr=screen, env=environment, timeout=60, check=False,
    )  # fmt: skip
    os.close(screen)
    shown = read_all(terminal)
    assert finished.returncode == 0
    assert "Tin số 1: 100%" in shown and "2/2" in shown
    assert "Tin số 1: đã gửi 2/2" in shown and "chờ 0" not in shown


def read_all(terminal: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: the other side is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(terminal)
    return b"".join(chunks).decode(errors="replace")
