"""The security audit, reduced, against a live instance: every attack it tries is refused."""

from __future__ import annotations

from bot.security_audit import audit


async def test_every_attack_of_the_reduced_audit_is_refused():
    line = await audit(quick=True)
    assert line["clean"], line
    assert line["total"]["tried"] >= 90 and line["xss_shown_as_text"] > 0
