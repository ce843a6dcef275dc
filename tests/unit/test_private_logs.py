"""actions/private_logs.py: an action's exception is logged by rasa_sdk without its message
(which may quote the citizen's words) below DEBUG, and whole at DEBUG."""

from __future__ import annotations

import logging

from actions import private_logs  # noqa: F401  (installs the filter, as rasa_sdk's import does)


def failing_action() -> None:
    {}["mon gsm 0470 12 34 56"]  # a KeyError quoting a value taken from the message


def logged(caplog, level: int) -> str:
    logger = logging.getLogger("rasa_sdk.endpoint")
    caplog.set_level(level, logger="rasa_sdk.endpoint")
    try:
        failing_action()
    except KeyError as error:
        logger.error(msg="Exception occurred during execution of request <Request>",
                     exc_info=error)
    return caplog.text


def test_the_message_is_left_out_below_debug(caplog):
    text = logged(caplog, logging.INFO)
    assert "0470" not in text
    assert "An action failed: KeyError at test_private_logs.py:12" in text


def test_debug_keeps_the_whole_traceback(caplog):
    assert "0470 12 34 56" in logged(caplog, logging.DEBUG)
