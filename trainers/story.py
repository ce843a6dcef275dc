"""A stored conversation as a rasa test story, for a trainer to turn into a test.

    make story SENDER=<conversation id> [ALL_SESSIONS=1]
    .venv/bin/python -m trainers.story <conversation id> [--all-sessions] [--url URL]

The same text as rasa's `GET /conversations/<id>/story`, read from the tracker store
(TRACKER_STORE_URL, read-only) instead of a running server: the last session by default
(rasa's: the events from the latest `session_started` on), every session with
`--all-sessions`. Paste it into `tests/test_stories.yml` and correct what the assistant got
wrong: `make test-core` then checks it.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any, List, Optional

from trainers.stored_events import StoreError, events_of, read_only_engine

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def last_session(events: List[dict]) -> List[dict]:
    """rasa's `SQLTrackerStore.retrieve`: events timed from the latest session start on."""
    starts = [event.get("timestamp") or 0 for event in events
              if event.get("event") == "session_started"]
    if not starts:
        return events
    since = max(starts)
    return [event for event in events if (event.get("timestamp") or 0) >= since]


def story_text(sender_id: str, events: List[dict], domain: Any,
               all_sessions: bool = False) -> str:
    """rasa's `get_test_stories` over the given stored events."""
    from rasa.shared.core.trackers import (
        DialogueStateTracker,
        get_trackers_for_conversation_sessions,
    )
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

    if all_sessions:
        full = DialogueStateTracker.from_dict(sender_id, events, domain.slots)
        trackers = get_trackers_for_conversation_sessions(full)
    else:
        trackers = [DialogueStateTracker.from_dict(sender_id, last_session(events),
                                                   domain.slots)]
    steps = []
    for number, tracker in enumerate(trackers, 1):
        tracker.sender_id = sender_id + (f", story {number}" if len(trackers) > 1 else "")
        steps += tracker.as_story().story_steps
    return YAMLStoryWriter().dumps(steps, is_test_story=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sender", nargs="?", default=os.environ.get("SENDER", ""),
                        help="the conversation's id (default: SENDER)")
    parser.add_argument("--all-sessions", action="store_true",
                        default=bool(os.environ.get("ALL_SESSIONS")))
    parser.add_argument("--url", default=os.environ.get("TRACKER_STORE_URL",
                                                        "sqlite:///tracker.db"))
    parser.add_argument("--domain", type=Path, default=PROJECT_ROOT / "domain.yml")
    args = parser.parse_args(argv)
    try:
        events = events_of(read_only_engine(args.url), args.sender)
    except StoreError as error:
        print(f"make story: {error}", file=sys.stderr)
        return 2
    if not events:
        print(f"make story: no conversation {args.sender!r} in {args.url.split('@')[-1]}",
              file=sys.stderr)
        return 1
    warnings.filterwarnings("ignore")  # rasa's dependencies' notices: not the story
    from rasa.shared.core.domain import Domain

    print(story_text(args.sender, events, Domain.load(args.domain), args.all_sessions), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
