"""docs/formateurs.md's daily routine, followed on a copy of the project: make report, correct
to_label.yml, make take-labels, make validate. The guide cannot drift from the commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tests.support import servers

pytestmark = pytest.mark.integration

ROOT = servers.PROJECT_ROOT
GUIDE = ROOT / "docs" / "formateurs.md"
COPIED = ["Makefile", "domain.yml", "config.yml", "endpoints.yml", "credentials.yml",
          "requirements.txt", "requirements-actions.txt", "requirements-dev.txt",
          "constraints.txt", "data", "catalogue", "actions", "rasa_extensions", "trainers",
          "scripts", "connectors", "tests/nlu"]


def copy_project(target: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, copy_function=shutil.copy2,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)  # modification times kept: nothing to rebuild
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def played(path: Path) -> None:
    """Three citizens' messages the assistant missed, stored as rasa stores them."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    now = dt.datetime.now().timestamp()
    for number, (text, guess) in enumerate([
            ("ça coute cmb la carte de riverain svp", "ask_contact"),
            ("jpeux avoir ma compo de menage par internet", "ask_online"),
            ("azerty qsdf", "greet")]):
        parse = {"intent": {"name": "nlu_fallback", "confidence": 0.4},
                 "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.4},
                                    {"name": guess, "confidence": 0.35}],
                 "entities": [], "text": text}
        events = [ActionExecuted("action_listen", timestamp=now - 60 + number),
                  UserUttered(text, parse_data=parse, input_channel="socketio",
                              timestamp=now - 50 + number)]
        asyncio.run(store.save(DialogueStateTracker.from_events(f"routine-{number}", events,
                                                                domain.slots)))
    store.engine.dispose()


def make(project: Path, *args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
    done = subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", *args],
                          cwd=project, env={**environment, **env}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def test_the_daily_routine_of_the_guide(tmp_path):
    guide = GUIDE.read_text()
    for command in ("make report", "make take-labels FILE=reports/<jour>/to_label.yml",
                    "make validate", "make train", "make test", "make nlu-report",
                    "make story SENDER="):
        assert command in guide, command
    project = copy_project(tmp_path / "copy")
    played(project / "tracker.db")

    # 1. the report
    make(project, "report", TRACKER_STORE_URL=f"sqlite:///{project / 'tracker.db'}")
    to_label = next((project / "reports").iterdir()) / "to_label.yml"
    text = to_label.read_text()
    assert "ça coute cmb la carte de riverain svp" in text

    # 2. the trainer's corrections: the price question under ask_price, the noise deleted
    text = text.replace('  - text: "azerty qsdf"\n', "")
    text = re.sub(r'- intent: ask_contact\n  examples:\n(  # [^\n]*\n)  - text: "ça coute cmb '
                  r'la carte de riverain svp"\n',
                  '- intent: ask_price\n  examples:\n\\1  - text: "ça coute cmb la carte de '
                  'riverain svp"\n', text)
    to_label.write_text(text)
    assert RasaYAMLReader().reads(text).intent_examples  # still valid for rasa

    # 3. the examples into data/nlu/, 4. the checks of make validate
    said = make(project, "take-labels", f"FILE={to_label}")
    assert "2 exemple(s) ajouté(s)" in said
    examples = {(m.get("intent"), m.get("text")) for m in RasaYAMLReader().read(
        str(project / "data" / "nlu" / "citizens.yml")).intent_examples}
    assert examples == {("ask_price", "ça coute cmb la carte de riverain svp"),
                        ("ask_online", "jpeux avoir ma compo de menage par internet")}
    make(project, "validate")
