"""OA API error codes as the outbox understands them (SendError kinds)."""

from __future__ import annotations

from bot.channels.base import FailureKind, SendError

TOKEN_ERRORS = {-216, -220}
# The OA account, not one message or resident: only an admin can fix these.
CONFIG_ERRORS = {-204, -205, -207, -208, -209, -212, -219, -221, -223, -224, -235, -320, -321}
CONFIG_RETRY_S = 900.0

OUTSIDE_WINDOW_CODES = {-211, -218, -230, -232}
BLOCKED_CODES = {-213, -217, -227, -244}


def oa_failure(code: int, message: str) -> SendError:
    """An OA API error as the outbox understands it."""
    reason = f"{code} {message}".strip()
    if code in CONFIG_ERRORS:
        # The whole OA waits for an admin; no row fails for it.
        return SendError(FailureKind.THROTTLED, reason, retry_after=CONFIG_RETRY_S, whole_bot=True)
    if code in OUTSIDE_WINDOW_CODES:
        return SendError(FailureKind.OUTSIDE_WINDOW, reason)
    if code in BLOCKED_CODES:
        return SendError(FailureKind.BLOCKED, reason)
    if code == -32:
        # The app's own call limit (per minute), not one resident's.
        return SendError(FailureKind.THROTTLED, reason, retry_after=60.0, whole_bot=True)
    if code in TOKEN_ERRORS or code == -200:
        return SendError(FailureKind.TRANSIENT, reason)
    return SendError(FailureKind.INVALID, reason)
