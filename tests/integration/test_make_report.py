"""`make report` over conversations played through the real servers: the missed messages are
in the inbox under their best guess, the handoff and the channel are counted, to_label.yml
loads with rasa's reader, and the personal data typed is in no file."""

from __future__ import annotations

import csv
import os
import subprocess

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tests.support import servers

pytestmark = pytest.mark.integration

E_MAIL, NATIONAL, PHONE = "marie.lambert@example.be", "85.07.30-033.28", "0470 12 34 56"


def test_make_report_over_played_conversations(rasa_server, rest_chat, servers_dir, sender_id,
                                               tmp_path):
    played = {
        f"{sender_id}-clear": ["Bonjour", "horaires de la piscine de Jonfosse", "merci"],
        f"{sender_id}-missed": ["zkqwx vlorp", f"mon adresse est {E_MAIL}, rappelez le "
                                f"{PHONE}, mon numéro national {NATIONAL}"],
        f"{sender_id}-handoff": ["je veux parler à un humain"],
    }
    for sender, texts in played.items():
        for text in texts:
            assert rest_chat(sender, text)
    tracker_db = servers_dir / f"tracker-{rasa_server.port}.db"
    env = dict(os.environ, TRACKER_STORE_URL=f"sqlite:///{tracker_db}")
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(["make", "--no-print-directory", "report"], cwd=servers.PROJECT_ROOT,
                          env={**env, "REPORT_OUT": str(tmp_path)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    folder = next(tmp_path.iterdir())
    files = {path.name: path.read_text() for path in folder.iterdir()}
    assert set(files) == {"index.html", "missed.csv", "to_label.yml"}
    for name, text in files.items():
        for secret in (E_MAIL, NATIONAL, PHONE):
            assert secret not in text, (name, secret)

    rows = {row["message"]: row for row in csv.DictReader(files["missed.csv"].splitlines())}
    assert rows["zkqwx vlorp"]["statut"] == "à traiter"
    assert rows["zkqwx vlorp"]["intention_devinee"] != "nlu_fallback"  # the real best guess
    assert any("[e-mail]" in text and "[numéro national]" in text for text in rows)
    assert "horaires de la piscine de Jonfosse" not in rows  # answered with confidence
    examples = {m.get("text") for m in RasaYAMLReader().reads(files["to_label.yml"])
                .intent_examples}
    assert "zkqwx vlorp" in examples
    assert "REST" in files["index.html"] and "vers un agent" in files["index.html"]
