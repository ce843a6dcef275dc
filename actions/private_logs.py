"""The action server's logs hold no citizen's text at the default log level (issue 15).

rasa_sdk logs an exception raised by an action at ERROR with its traceback, whose last line is
the exception's message: a message may quote what the action was working on (a KeyError its
key, a ValueError the value read from the citizen's message). Below DEBUG, this filter keeps
the exception's type and the project's line that raised it, and drops the message. rasa_sdk
imports every module of `actions/` when it starts, which installs it. The rasa server's own
lines: connectors/log_privacy.py.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOGGERS = ("rasa_sdk.endpoint", "rasa_sdk.executor")


def _where(trace) -> str:
    """file:line of the project's last frame in the traceback (else the last frame)."""
    frames = traceback.extract_tb(trace) if trace else []
    ours = [frame for frame in frames if frame.filename.startswith(str(PROJECT_ROOT))
            and "/.venv/" not in frame.filename]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "an unknown place"
    return f"{Path(frame.filename).name}:{frame.lineno}"


class WithoutExceptionMessage(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None \
                and not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            error, trace = record.exc_info[1], record.exc_info[2]
            record.msg = "An action failed: %s at %s (LOG_LEVEL=DEBUG shows its message)."
            record.args = (type(error).__name__, _where(trace))
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(item, WithoutExceptionMessage) for item in logger.filters):
            logger.addFilter(WithoutExceptionMessage())


install()
