"""A running action server follows the staff's edits of the catalogue: a valid edit answers from
the next message, a broken one is logged with its file, entry and field while the previous
catalogue keeps answering, and fixing it is enough."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.support import servers

pytestmark = pytest.mark.integration


def ask_contact(action_url: str, service: str) -> str:
    """action_ask_contact for `service`, called as rasa calls it; the answer's text."""
    text = f"coordonnées du service {service}"
    tracker = {"sender_id": "reload", "slots": {"service": service}, "events": [],
               "latest_message": {"text": text, "intent": {"name": "ask_contact"},
                                  "entities": [{"entity": "service", "value": service,
                                                "start": 0, "end": 1}]},
               "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": "action_listen"}
    answer = servers.http_json("POST", f"{action_url}/webhook",
                               {"next_action": "action_ask_contact", "sender_id": "reload",
                                "tracker": tracker, "domain": {}, "version": "3.6.2"})
    return " ".join(str(message.get("text") or "") for message in answer["responses"])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    later = time.time() + 1
    os.utime(path, (later, later))


def answer_within(action_url: str, expected: str, seconds: float = 10.0) -> str:
    deadline = time.monotonic() + seconds
    while True:
        answer = ask_contact(action_url, "urbanisme")
        if expected in answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_the_running_action_server_follows_the_catalogue_files(tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(servers.PROJECT_ROOT / "catalogue", folder)
    services = folder / "services.yml"
    with servers.action_server(tmp_path, env={"CITYBOT_CATALOGUE_DIR": str(folder)}) as action:
        assert "Quai de la Batte 10" in ask_contact(action.url, "urbanisme")

        edit(services, "Quai de la Batte 10, Liège", "Quai de la Batte 12, Liège")
        assert "Quai de la Batte 12" in answer_within(action.url, "Quai de la Batte 12")

        edit(services, "policy: walk_in", "policy: parfois")  # not a policy
        time.sleep(3)  # past the action server's next check of the files
        answer = ask_contact(action.url, "urbanisme")
        assert "Quai de la Batte 12" in answer  # the previous catalogue answers
        log = action.log.read_text()
        assert "is not used; the previous one answers" in log
        assert "services.yml, entry 'population', field 'appointment" in log

        edit(services, "policy: parfois", "policy: walk_in")
        edit(services, "Quai de la Batte 12, Liège", "Quai de la Batte 14, Liège")
        assert "Quai de la Batte 14" in answer_within(action.url, "Quai de la Batte 14")
        assert action.process.poll() is None
