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


def _titles(messages):
    return [button["title"] for message in messages for button in message.get("buttons") or []]


def test_thumbs_down_with_a_comment_reaches_the_report(rasa_server, rest_chat, servers_dir,
                                                       sender_id, tmp_path):
    """An answer offers 👍 / 👎 once per topic; 👎 gives the service's contact and asks what was
    missing; the comment typed next is thanked; make report puts both beside the question."""
    citizen = f"{sender_id}-judged"
    question = "le recyparc de Glain est ouvert samedi ?"
    answer = rest_chat(citizen, question)
    assert _titles(answer)[-2:] == ["👍 Utile", "👎 Pas utile"]
    again = rest_chat(citizen, "et dimanche ?")
    assert "👎 Pas utile" not in _titles(again)  # once per topic
    sorry = rest_chat(citizen, "/feedback_negative")
    assert sorry[0]["text"].startswith("Désolé que ma réponse ne vous ait pas aidé.")
    assert "ce qui manquait" in sorry[0]["text"]
    comment = f"bof, et je dois encore vous appeler au {PHONE} ?"
    thanks = rest_chat(citizen, comment)
    assert thanks[0]["text"].startswith("Merci, c'est noté")

    tracker_db = servers_dir / f"tracker-{rasa_server.port}.db"
    env = {**os.environ, "TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
           "REPORT_OUT": str(tmp_path)}
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(["make", "--no-print-directory", "report"], cwd=servers.PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    page = (next(tmp_path.iterdir()) / "index.html").read_text()
    assert PHONE not in page
    row = page.split("Avis des citoyens", 1)[1].split("</table>", 1)[0]
    assert "<td>et dimanche ?</td><td>recyparc</td><td>0</td><td>1</td>" in row
    assert "bof, et je dois encore vous appeler au [téléphone] ?" in row
