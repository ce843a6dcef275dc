"""rasa's SQL tracker store, configured by one URL: `TRACKER_STORE_URL`.

    sqlite:///tracker.db                                   (make run's default, from TRACKER_DB)
    postgresql://rasa:PASSWORD@127.0.0.1:5432/rasa         (make cluster; several rasa servers)

endpoints.yml names this class (`tracker_store: type: …URLTrackerStore, url: ${TRACKER_STORE_URL}`)
so that one file serves both set-ups, and a password reaches rasa through the environment
only, never through a file. The URL's parts become `SQLTrackerStore`'s own arguments; its
query (e.g. `?sslmode=require`) is passed on to the database driver.

rasa loads a custom tracker store inside `except (AttributeError, ImportError)` and falls back
to an in-memory store with a mere warning: conversations would silently vanish at the next
restart. This class therefore turns those two errors into a `RuntimeError` that stops the start.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore

from rasa_extensions.tracker_store_url import store_arguments

class URLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` from `url` (endpoints.yml) or TRACKER_STORE_URL."""

    def __init__(self, domain: Any = None, host: Optional[str] = None,
                 event_broker: Any = None, url: Optional[str] = None, **kwargs: Any) -> None:
        url = host or url or os.environ.get("TRACKER_STORE_URL", "")
        if not url:
            raise RuntimeError("URLTrackerStore needs a url: set TRACKER_STORE_URL")
        try:
            super().__init__(domain, event_broker=event_broker,
                             **{**kwargs, **store_arguments(url)})
        except (AttributeError, ImportError) as error:  # see the module's docstring
            raise RuntimeError(f"The tracker store could not start: {error!r}") from error

    def __repr__(self) -> str:  # never the password
        return f"URLTrackerStore({self.engine.url.render_as_string(hide_password=True)})"
