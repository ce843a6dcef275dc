"""A French answer, never silence, when a part of the assistant fails during a citizen's turn.

rasa 3.6 answers nothing in these cases: a custom action whose server is down or answers an
error (rasa logs it and goes on without the action's events), and a turn that cannot take its
lock or read or save the conversation (the exception reaches the channel: an HTTP 500 for
REST, nothing at all on Messenger, X or the widget). `install()`, called by
`scripts/rasa_cli.py`, wraps both places:

- `RemoteAction.run`: the action server unreachable, timed out, failing or answering in a
  shape rasa does not accept → the action's events are the apology alone (the conversation
  goes on; the next message works again once the action server is back);
- `Agent.handle_message`: a message waiting too long behind the previous one
  (`LockWaitGaveUp`) → "send it again"; the lock store, PostgreSQL or Redis failing → the
  apology. The message is then not in the tracker store, which the log says with the
  conversation's id.
- `FailSafeTrackerStore`: when the tracker store fails, rasa goes on with an empty conversation
  kept in memory: the citizen is answered without the context of what they said before, and
  the message and its answer are lost (seen in tests/integration/test_faults.py with
  PostgreSQL restarting: 9 of 16 messages of a conversation answered normally, then missing).
  The error now goes up to `Agent.handle_message`: the apology, and the log says so.

The texts a citizen reads are below, in French, with the city's web site as the way out.
The log lines name the conversation and what failed, never what the citizen wrote
(`error_line`; issue 15, connectors/log_privacy.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any, List, Tuple, Type

logger = logging.getLogger(__name__)

BUSY_ANSWER = ("Je suis encore occupé avec votre message précédent. "
               "Pouvez-vous renvoyer celui-ci dans un instant ?")
PROBLEM_ANSWER = ("Désolé, un problème technique m'empêche de vous répondre pour le moment. "
                  "Réessayez dans quelques minutes, ou consultez https://www.liege.be.")
ACTION_PROBLEM_ANSWER = ("Désolé, je n'arrive pas à consulter mes informations pour le moment. "
                         "Réessayez dans quelques minutes, ou consultez https://www.liege.be.")


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def error_line(error: BaseException) -> str:
    """What a store's error says in its first line, quoted values masked: enough to tell a
    refused connection from a full disk, without what the store was writing. SQLAlchemy's
    next lines quote the statement's parameters (the conversation's events: what the citizen
    wrote), PostgreSQL's DETAIL line the values at fault, and a driver's first line may quote
    a value ('invalid input syntax for type integer: "…"')."""
    lines = str(error).strip().splitlines()
    first = _QUOTED.sub("'…'", lines[0])[:200] if lines else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def store_errors() -> Tuple[Type[BaseException], ...]:
    """What the lock store, the tracker store and their servers raise when they fail."""
    from rasa.core.lock_store import LockError
    from sqlalchemy.exc import SQLAlchemyError

    errors: List[Type[BaseException]] = [LockError, SQLAlchemyError, ConnectionError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is one of rasa's dependencies
        pass
    return tuple(errors)


async def handle_message(agent: Any, message: Any) -> Any:
    """`Agent.handle_message`, answering in French when the turn cannot be handled."""
    from rasa_extensions.ticket_lock_store import LockWaitGaveUp

    try:
        return await _originals["handle_message"](agent, message)
    except LockWaitGaveUp:
        logger.warning("Message of conversation %s not handled: it waited too long behind the "
                       "previous one; the citizen was asked to send it again", message.sender_id)
        text = BUSY_ANSWER
    except store_errors() as error:
        logger.error("Message of conversation %s not handled (%s); the citizen got the "
                     "apology", message.sender_id, error_line(error))
        text = PROBLEM_ANSWER
    if message.output_channel is not None:
        await message.output_channel.send_text_message(message.sender_id, text)
    # what rasa returns: the collected answers (REST), None for the other channels
    return getattr(message.output_channel, "messages", None)


async def run_remote_action(action: Any, output_channel: Any, nlg: Any, tracker: Any,
                            domain: Any) -> List[Any]:
    """`RemoteAction.run`, whose failure becomes the apology instead of silence."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.shared.core.events import BotUttered
    from rasa.shared.exceptions import RasaException

    try:
        return await _originals["run_remote_action"](action, output_channel, nlg, tracker,
                                                     domain)
    except ActionExecutionRejection:  # a form's normal way to reject: rasa's own handling
        raise
    except RasaException as error:
        # rasa writes these from the action's name, the action server's URL and HTTP status
        # (the action server's answer, which holds the conversation, is only in its cause)
        logger.error("Custom action %s failed for conversation %s (%s); the citizen got the "
                     "apology", action.name(), tracker.sender_id, str(error)[:300])
    except ValidationError as error:
        # an answer not shaped as rasa expects; the error's message quotes it (the bot's texts
        # and slots), which rasa would log
        where = "/".join(str(part) for part in error.absolute_path) or "the top"
        logger.error("Custom action %s failed for conversation %s (its answer does not follow "
                     "rasa's format: %s at %s); the citizen got the apology", action.name(),
                     tracker.sender_id, error.validator, where)
    return [BotUttered(ACTION_PROBLEM_ANSWER, metadata={"utter_action": "apology"})]


def refuse_in_memory_stand_in(store: Any, error: Exception) -> None:
    """`FailSafeTrackerStore`'s error hooks: the error is raised again, not hidden."""
    raise error


_originals: dict = {}


def install() -> None:
    """Wraps `Agent.handle_message`, `RemoteAction.run` and `FailSafeTrackerStore`'s error
    hooks in this process (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import FailSafeTrackerStore

    if not _originals:
        _originals["handle_message"] = Agent.handle_message
        _originals["run_remote_action"] = RemoteAction.run
        _originals["store_error"] = FailSafeTrackerStore.on_tracker_store_error
        _originals["retrieve_error"] = FailSafeTrackerStore.on_tracker_store_retrieve_error
        Agent.handle_message = handle_message
        RemoteAction.run = run_remote_action
        FailSafeTrackerStore.on_tracker_store_error = refuse_in_memory_stand_in
        FailSafeTrackerStore.on_tracker_store_retrieve_error = refuse_in_memory_stand_in


def uninstall() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import FailSafeTrackerStore

    if _originals:
        Agent.handle_message = _originals.pop("handle_message")
        RemoteAction.run = _originals.pop("run_remote_action")
        FailSafeTrackerStore.on_tracker_store_error = _originals.pop("store_error")
        FailSafeTrackerStore.on_tracker_store_retrieve_error = _originals.pop("retrieve_error")
