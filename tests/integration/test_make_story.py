"""`make story` prints what the running server's `GET /conversations/<id>/story` gives, read
from the tracker store file while the server runs."""

from __future__ import annotations

import os
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.support import servers

pytestmark = pytest.mark.integration


def test_make_story_is_the_servers_story(rasa_server, rest_chat, servers_dir, sender_id):
    for text in ("Bonjour", "horaires de la piscine de Jonfosse", "et le samedi ?", "merci"):
        assert rest_chat(sender_id, text)
    quoted = urllib.parse.quote(sender_id, safe="")
    with urllib.request.urlopen(f"{rasa_server.url}/conversations/{quoted}/story"
                                f"?token={servers.API_TOKEN}", timeout=30) as response:
        expected = response.read().decode()
    env = dict(os.environ, SENDER=sender_id,
               TRACKER_STORE_URL=f"sqlite:///{servers_dir / f'tracker-{rasa_server.port}.db'}")
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(["make", "--no-print-directory", "story"], cwd=servers.PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == expected
    assert "intent: ask_hours" in done.stdout and "action_ask_hours" in done.stdout
