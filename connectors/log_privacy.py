"""What the rasa server's logs may say about a citizen's message: the conversation id, sizes,
types and reasons, never what the citizen wrote nor their personal data (issue 15: "Logs never
hold a citizen's text at the default log level"). At DEBUG (``LOG_LEVEL=DEBUG``) rasa and the
channels log texts, as a developer needs them.

The channels' own log lines follow that rule (connectors/*.py; tests/integration/
test_logs_private.py checks the servers' logs). Here are what they share:

- ``log_failure``: a turn that failed, logged at ERROR with the exception's type and the line
  that raised it, not its message: an exception's message may quote what it was working on
  (a KeyError its key, SQLAlchemy the statement's parameters, i.e. the conversation's events).
  The whole traceback, message included, goes to DEBUG;
- ``shown_name``: a name from a webhook body (Meta's ``object``, an event's keys) as it is when
  it looks like a platform's field name ("instagram", "optin"), else only its type and size;
- ``install``: rasa 3.6's own lines that quote a citizen's message, turned off below DEBUG.
  rasa reads a message that starts with "/" as a button payload (``/intent{...}``); a text that
  only starts like one ("/ mon numéro est …") gets a Python warning "Failed to parse arguments
  in line '<the whole message>'" or the structlog event ``message.parsing.failed
  user_text=<the whole message>`` from rasa's story reader, then goes on. Without ``install``,
  tests/integration/test_logs_private.py finds four such lines in the rasa server's log, each
  with the citizen's phone number and e-mail address. A listener of every channel's blueprint
  calls it when the server starts (in each Sanic worker). It can go when rasa stops quoting
  messages in those warnings.

rasa's REST channel also logs the text of a message whose turn raised
(``rest.message.received.failure text=…``): connectors/rest.py catches the failure first.
"""

from __future__ import annotations

import logging
import re
import traceback
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# rasa's warnings that quote the whole message (rasa/shared/core/training_data/story_reader/
# yaml_story_reader.py, `unpack_regex_message` and the functions it calls).
QUOTING_WARNINGS = "Failed to parse arguments in line"
# The module whose structlog events quote the message (`message.parsing.failed`); in the rasa
# server it reads nothing else (the stories are read when training, not by `rasa run`).
PAYLOAD_READER_LOGGER = "rasa.shared.core.training_data.story_reader.yaml_story_reader"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,39}")
_installed = False


def is_name(value: Any) -> bool:
    """Whether ``value`` looks like a platform's field or object name ("optin", "instagram")."""
    return isinstance(value, str) and bool(_NAME.fullmatch(value))


def shown_name(value: Any) -> str:
    """``value`` quoted when it looks like a field or object name, else its type and size."""
    if value is None or is_name(value):
        return repr(value)
    if isinstance(value, str):
        return f"a text of {len(value)} characters"
    return f"a {type(value).__name__}"


def _where(path: str) -> str:
    file = Path(path)
    try:
        return str(file.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        parts = file.parts
        if "site-packages" in parts:
            return "/".join(parts[parts.index("site-packages") + 1:])
        return file.name


def failure(error: BaseException) -> str:
    """``KeyError raised in actions/hours.py:88 (parse_time)``: the exception's type and where
    it was raised, never its message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    frame = frames[-1]
    where = f"{_where(frame.filename)}:{frame.lineno} ({frame.name})"
    return f"{type(error).__name__} raised in {where}"


def log_failure(log: logging.Logger, error: BaseException, message: str, *args: Any) -> None:
    """``message % args`` at ERROR, followed by ``failure(error)``; the traceback with the
    exception's message at DEBUG only."""
    log.error(message + " (%s)", *args, failure(error))
    log.debug("Traceback of that failure:", exc_info=error)


def install() -> None:
    """Turns off rasa's lines that quote a citizen's message (see the module docstring), unless
    rasa's log level is DEBUG. Idempotent."""
    global _installed
    if _installed or logging.getLogger("rasa").isEnabledFor(logging.DEBUG):
        return
    _installed = True
    warnings.filterwarnings("ignore", message=QUOTING_WARNINGS, category=UserWarning)
    # structlog's `filter_by_level` asks this (stdlib) logger whether a warning is enabled.
    logging.getLogger(PAYLOAD_READER_LOGGER).setLevel(logging.ERROR)


def install_on_start(blueprint: Any) -> None:
    """``install`` when the server (each Sanic worker) starts with ``blueprint`` (Sanic's)."""

    @blueprint.listener("before_server_start")
    async def keep_messages_out_of_logs(_app: Any, _loop: Any) -> None:
        install()
