"""What comes in from X: the CRC challenge, the signature of deliveries, and the DM events of a
delivery in both of X's shapes. Pure functions, no I/O, no rasa (unit-tested directly).

Security (docs.x.com, x-api/webhooks/quickstart; ../shared/research/x-dm-api.md §1.2-1.3):

- CRC: ``GET ?crc_token=T`` is answered ``{"response_token": "sha256=" + base64(HMAC-SHA256(
  consumer secret, T))}``. The same key signs deliveries, in the same format, so signing any
  string would make the endpoint an oracle for forged deliveries: only tokens matching
  ``CRC_TOKEN_PATTERN`` are signed (as the Vercel X adapter does).
- Deliveries carry ``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret,
  raw body)>``, compared in constant time before the body is parsed.

Shapes (x-api/account-activity/introduction, x-api/activity/event-payloads):

- Account Activity (deprecated, still delivered): ``{"for_user_id", "direct_message_events":
  [...], "users": {...}, ...}``; other ``*_events`` keys (tweets, likes, typing, reads…) are
  acknowledged and ignored;
- X Activity API: ``{"data": {...}}`` or ``{"data": [...]}``, each item with ``event_type``
  (``dm.received``, ``dm.sent`` carry ``payload.direct_message_events``; ``dm.read``,
  ``dm.indicate_typing``, ``chat.*`` (end-to-end-encrypted XChat, unreadable here) and the
  rest are ignored) and ``filter.user_id``, the subscribed account.

Everything is checked: ids are short digit strings, a delivery holds at most
``MAX_DM_EVENTS`` DM events and ``MAX_JSON_DEPTH`` levels; anything else is skipped with a
reason (never raises).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

CRC_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9+/=_-]{16,128}")  # whole token (fullmatch)
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
MAX_JSON_DEPTH = 32  # X's deliveries are about 10 levels deep
MAX_DM_EVENTS = 100
MAX_ACTIVITY_ITEMS = 100
MAX_QUICK_REPLY_METADATA = 1000  # X's limit for legacy quick-reply metadata

_ID = re.compile(r"[0-9]{1,32}")  # whole id (fullmatch)
DM_EVENT_TYPES = ("dm.received", "dm.sent")
MEDIA_TYPES = {"photo": "photo", "video": "video", "animated_gif": "GIF"}


# --- CRC and signatures ----------------------------------------------------------------------

def _hmac_b64(secret: str, data: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), data, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_crc_token(token: Any) -> bool:
    return isinstance(token, str) and bool(CRC_TOKEN_PATTERN.fullmatch(token))


def crc_response(consumer_secret: str, token: str) -> Dict[str, str]:
    """The JSON answer to X's CRC for ``token`` (check it with ``valid_crc_token`` first)."""
    if not valid_crc_token(token):
        raise ValueError("refusing to sign a CRC token outside the safe pattern")
    return {"response_token": "sha256=" + _hmac_b64(consumer_secret, token.encode("ascii"))}


def signature_for(consumer_secret: str, body: bytes) -> str:
    """The ``x-twitter-webhooks-signature`` header value X sends for ``body``."""
    return "sha256=" + _hmac_b64(consumer_secret, body)


def valid_signature(consumer_secret: Optional[str], body: bytes, header: Optional[str]) -> bool:
    """True when ``header`` is ``sha256=<base64 HMAC-SHA256 of body>`` (constant-time)."""
    if not consumer_secret or not header:
        return False
    expected = signature_for(consumer_secret, body).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


# --- events ----------------------------------------------------------------------------------

@dataclass
class XMessage:
    """One ``message_create`` DM event, reduced to what the channel needs."""

    event_id: str
    sender_id: str
    recipient_id: str
    account_id: str  # the subscribed account the delivery is for ("" when not given)
    shape: str  # "account_activity", "dm.received" or "dm.sent"
    text: str = ""  # without the t.co link of an attached media
    media: List[str] = field(default_factory=list)  # "photo", "video", "GIF"
    choice_payload: Optional[str] = None  # legacy quick-reply metadata
    source_app_id: str = ""
    created_ms: Optional[int] = None

    @property
    def media_only(self) -> bool:
        return bool(self.media) and not self.text.strip() and self.choice_payload is None

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.media and self.choice_payload is None

    def metadata(self) -> Dict[str, Any]:
        return {"x": {"dm_event_id": self.event_id, "shape": self.shape,
                      "created_ms": self.created_ms}}


@dataclass
class Delivery:
    messages: List[XMessage] = field(default_factory=list)
    ignored: List[str] = field(default_factory=list)  # event types acknowledged and ignored
    problems: List[str] = field(default_factory=list)  # parts skipped as malformed


def _id(value: Any) -> Optional[str]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        value = str(value)
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _media(message_data: Dict[str, Any]) -> Tuple[List[str], List[str]]:
    """(media kinds, t.co links of the media) of a DM's attachment."""
    attachment = message_data.get("attachment")
    if not isinstance(attachment, dict):
        return [], []
    media = attachment.get("media")
    if not isinstance(media, dict):
        return ([str(attachment.get("type") or "media")[:20]], [])
    kind = MEDIA_TYPES.get(str(media.get("type") or ""), "media")
    links = [str(media[key]) for key in ("url", "expanded_url") if isinstance(media.get(key), str)]
    return [kind], links


def parse_dm_event(event: Any, account_id: str, shape: str,
                   delivery: Delivery) -> Optional[XMessage]:
    """One element of ``direct_message_events``, or None (recorded in ``delivery``)."""
    if not isinstance(event, dict):
        delivery.problems.append("DM event is not an object")
        return None
    kind = event.get("type")
    if kind != "message_create":
        delivery.ignored.append(f"direct_message:{str(kind)[:40]}")
        return None
    event_id = _id(event.get("id"))
    create = event.get("message_create")
    if event_id is None or not isinstance(create, dict):
        delivery.problems.append("message_create without a valid id")
        return None
    target = create.get("target")
    sender = _id(create.get("sender_id"))
    recipient = _id(target.get("recipient_id")) if isinstance(target, dict) else None
    if sender is None or recipient is None:
        delivery.problems.append(f"DM event {event_id} without valid sender and recipient ids")
        return None
    data = create.get("message_data")
    data = data if isinstance(data, dict) else {}
    text = data.get("text")
    text = text if isinstance(text, str) else ""
    media, links = _media(data)
    for link in links:
        text = text.replace(link, "")
    quick = data.get("quick_reply_response")
    choice = None
    if isinstance(quick, dict) and isinstance(quick.get("metadata"), str):
        choice = quick["metadata"][:MAX_QUICK_REPLY_METADATA] or None
    created = event.get("created_timestamp")
    created_ms = int(created) if isinstance(created, str) and created.isdigit() \
        and len(created) <= 16 else None
    source_app = _id(create.get("source_app_id")) or ""
    return XMessage(event_id, sender, recipient, account_id, shape, text.strip(), media,
                    choice, source_app, created_ms)


def _dm_events(events: Any, account_id: str, shape: str, delivery: Delivery) -> None:
    if not isinstance(events, list):
        delivery.problems.append("direct_message_events is not a list")
        return
    room = MAX_DM_EVENTS - len(delivery.messages)
    if len(events) > room:
        delivery.problems.append(f"{len(events) - max(room, 0)} DM event(s) over the "
                                 f"{MAX_DM_EVENTS} per delivery skipped")
        events = events[:max(room, 0)]
    for event in events:
        message = parse_dm_event(event, account_id, shape, delivery)
        if message is not None:
            delivery.messages.append(message)


def _account_activity(payload: Dict[str, Any], delivery: Delivery) -> None:
    account = _id(payload.get("for_user_id")) or ""
    for key, value in payload.items():
        if key == "direct_message_events":
            _dm_events(value, account, "account_activity", delivery)
        elif key.endswith("_events") or key in ("user_event", "replay_job_status"):
            delivery.ignored.append(key[:60])


def _activity_item(item: Any, delivery: Delivery) -> None:
    if not isinstance(item, dict):
        delivery.problems.append("activity item is not an object")
        return
    event_type = item.get("event_type")
    if not isinstance(event_type, str):
        delivery.problems.append("activity item without an event_type")
        return
    if event_type not in DM_EVENT_TYPES:
        delivery.ignored.append(event_type[:60])
        return
    filter_ = item.get("filter")
    account = _id(filter_.get("user_id")) if isinstance(filter_, dict) else None
    payload = item.get("payload")
    if not isinstance(payload, dict):
        delivery.problems.append(f"{event_type} without a payload object")
        return
    if "direct_message_events" in payload:
        _dm_events(payload["direct_message_events"], account or "", event_type, delivery)
    elif "message_create" in payload:  # a single DM event as the payload
        _dm_events([payload], account or "", event_type, delivery)
    else:
        delivery.problems.append(f"{event_type} without direct_message_events")


def parse_delivery(payload: Any) -> Delivery:
    """Every DM event of a delivery, in order, in either shape (see the module docstring)."""
    delivery = Delivery()
    if not isinstance(payload, dict):
        delivery.problems.append(f"body is {type(payload).__name__}, not a JSON object")
        return delivery
    if "data" in payload and "for_user_id" not in payload:
        data = payload["data"]
        items = data if isinstance(data, list) else [data]
        if len(items) > MAX_ACTIVITY_ITEMS:
            delivery.problems.append(f"{len(items) - MAX_ACTIVITY_ITEMS} activity item(s) "
                                     f"over {MAX_ACTIVITY_ITEMS} skipped")
            items = items[:MAX_ACTIVITY_ITEMS]
        for item in items:
            _activity_item(item, delivery)
        return delivery
    if "for_user_id" in payload or any(k.endswith("_events") for k in payload):
        _account_activity(payload, delivery)
        return delivery
    delivery.problems.append("neither an Account Activity nor an X Activity delivery")
    return delivery
