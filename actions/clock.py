"""The one place that says what time it is, in Brussels.

`CITYBOT_FROZEN_NOW` (ISO 8601, e.g. 2026-12-24T15:59) freezes the clock of a whole action
server, so conversation tests through a real server can check answers about "now".
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
FROZEN_NOW_ENV = "CITYBOT_FROZEN_NOW"


def now() -> dt.datetime:
    """The current moment as an aware datetime in Europe/Brussels."""
    frozen = os.environ.get(FROZEN_NOW_ENV)
    if frozen:
        moment = dt.datetime.fromisoformat(frozen)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=BRUSSELS)
        return moment.astimezone(BRUSSELS)
    return dt.datetime.now(BRUSSELS)
