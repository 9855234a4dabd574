"""Zalo Official Account adapter, over aiohttp, one concern per module: `tokens` (the
access token chain), `window` (48-hour window bookkeeping, and the resident's message
that replies name), `events` (webhook signature and event fields), `rendering` (Reply →
OA messages), `errors` (OA error codes → SendError), `adapter` (the channel).

Receives webhook events at /zalo/oa/webhook, accepted only with a valid
X-ZEvent-Signature; answers through the OA API's consultation messages; keeps the
access token fresh with the refresh token and stores both (KeyValue), since Zalo's
refresh tokens are single-use and a restart must continue the chain.

The consultation window: a reply is free only within 48 hours of the resident's last
message, and only FREE_REPLIES of them per window. Sends outside it raise
SendError(OUTSIDE_WINDOW, reason) — never retried; staff get a forward kit instead.

API as checked against Zalo's docs (developers.zalo.me, mirrored in public SDKs,
integration guides and gateway docs), and what is assumed:
- verified: signature = sha256_hex(app_id + raw body + body["timestamp"] + OA secret
  key), in X-ZEvent-Signature (a "mac=" prefix seen in some integrations is accepted);
  the OA secret key is not the app secret. Events: `{"app_id", "event_name":
  "user_send_text" | "user_send_image" | … | "follow" | "unfollow", "sender": {"id"},
  "recipient": {"id"}, "message": {"msg_id", "text", "attachments": [{"type",
  "payload": {"url"}}]}, "timestamp": "<ms>"}`. Sending: POST
  {api}/v3.0/oa/message/cs, header `access_token`, body `{"recipient": {"user_id"},
  "message": {"text" (≤ 2,000), "attachment": {"type": "template", "payload":
  {"buttons": [{"title", "type": "oa.query.show", "payload"}]} | {"template_type":
  "media", "elements": [{"media_type": "image", "url"}]}}}}`; answer `{"error": 0,
  "message", "data": {"message_id"}}`. Token refresh: POST {oauth}/v4/oa/access_token,
  form app_id, grant_type=refresh_token, refresh_token, header `secret_key` = the APP
  secret; answer access_token, refresh_token (new, single-use), expires_in (seconds,
  often a string; 90000). Error codes: -32 rate limit, -211 out of quota, -213 not
  following, -216/-220 access token invalid/expired, -227 user inactive, -230/-232 no
  interaction within the window, -244 user restricted this message type.
- assumed: 8 free replies per 48 h window (a Zalo quota figure seen in gateway docs;
  a constructor argument); at most 5 buttons per message and 100 characters per title
  (more buttons fall back to a numbered list); a pressed oa.query.show button arrives
  as user_send_text carrying its payload, which is the label, so the label maps back
  to the button; -32 waits 60 s; "follow" opens the window (Zalo counts it as an
  interaction) and is welcomed as /start is.
"""

from bot.channels.zalo_oa.adapter import WEBHOOK_PATH, ZaloOAChannel, enabled
from bot.channels.zalo_oa.errors import CONFIG_RETRY_S, oa_failure
from bot.channels.zalo_oa.events import signature, signature_valid
from bot.channels.zalo_oa.tokens import TOKENS_KEY
from bot.channels.zalo_oa.window import FREE_REPLIES

__all__ = [
    "CONFIG_RETRY_S",
    "FREE_REPLIES",
    "TOKENS_KEY",
    "WEBHOOK_PATH",
    "ZaloOAChannel",
    "enabled",
    "oa_failure",
    "signature",
    "signature_valid",
]
