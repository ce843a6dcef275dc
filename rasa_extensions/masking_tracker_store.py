"""The tracker store endpoints.yml names: rasa's SQL tracker store (by URL) that masks personal
data in every event before it is stored, and erases a conversation when its citizen asks.

- **Masking.** National register and bis numbers, IBANs, card numbers, phone numbers and
  e-mail addresses become typed placeholders (rasa_extensions/personal_data.py) in everything
  an event holds: the citizen's text, the parse data (entities), slot values, the assistant's
  texts and buttons that echo them, metadata. Identifiers (event types, intent, action and
  slot names, message ids) are left alone. The turn itself ran on the message as typed: NLU
  and actions are done when rasa saves the tracker at the end of the turn. The next turn reads
  the masked events back, so a slot holding a phone number holds "[téléphone]" from then on.
- **Erasure.** When the events of a turn include the assistant's confirmation that the
  conversation is erased (a bot message whose metadata carries `ERASE_MARK`, sent by
  actions/privacy_actions.py after the citizen confirmed), every stored event of that
  conversation is deleted instead, the turn's own events included: nothing of it remains, and
  the citizen's next message starts a new conversation.

rasa's `SQLTrackerStore.save` is rewritten here (same columns, same events) because it turns
each event into JSON itself; an event broker (none is configured) would get the events masked
too. The log holds counts and never a citizen's text.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable, List

from rasa.shared.core.events import BotUttered

from actions.privacy import ERASE_MARK
from rasa_extensions.personal_data import mask_data
from rasa_extensions.url_tracker_store import URLTrackerStore

logger = logging.getLogger(__name__)


def asks_erasure(event: Any) -> bool:
    return isinstance(event, BotUttered) and bool((event.metadata or {}).get(ERASE_MARK))


def stored_row(event: Any) -> dict:
    """The columns rasa's SQLTrackerStore writes for `event`, with its data masked."""
    data = mask_data(event.as_dict())
    intent = (data.get("parse_data") or {}).get("intent", {}).get("name")  # as rasa's
    return {"type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": intent, "action_name": data.get("name"), "data": json.dumps(data)}


class MaskingTrackerStore(URLTrackerStore):
    """`URLTrackerStore` that stores masked events and erases a conversation on request."""

    async def save(self, tracker: Any) -> None:
        await self.stream_events(tracker)  # an event broker, if one is set, gets them masked
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
            if any(asks_erasure(event) for event in events):
                deleted = self._delete_conversation(session, tracker.sender_id)
                logger.info("A conversation was erased at its citizen's request: %d stored "
                            "events deleted, %d of this turn not stored.", deleted, len(events))
                return
            self._add(session, tracker.sender_id, events)
            session.commit()

    async def _stream_new_events(self, event_broker: Any, new_events: List[Any],
                                 sender_id: str) -> None:
        """rasa's, with the events masked as they are stored."""
        for event in new_events:
            event_broker.publish({"sender_id": sender_id, **mask_data(event.as_dict())})

    def _add(self, session: Any, sender_id: str, events: Iterable[Any]) -> None:
        for event in events:
            session.add(self.SQLEvent(sender_id=sender_id, **stored_row(event)))

    def _delete_conversation(self, session: Any, sender_id: str) -> int:
        deleted = (session.query(self.SQLEvent)
                   .filter(self.SQLEvent.sender_id == sender_id)
                   .delete(synchronize_session=False))
        session.commit()
        return deleted
