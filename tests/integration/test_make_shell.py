"""`make shell` as a new ops person uses it, through a pseudo-terminal: quiet, the README's
conversation works as written (a typed question after buttons is sent as typed), a number
picks a button, /debug shows the turn, /stop quits."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time

import pytest

from tests.support import servers

pytestmark = pytest.mark.integration


class Terminal:
    def __init__(self, env: dict) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(["make", "--no-print-directory", "shell"],
                                        cwd=servers.PROJECT_ROOT, env=env, stdin=slave,
                                        stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self.seen = ""

    def read_until(self, pattern: str, timeout: float = 60.0) -> str:
        deadline, start = time.monotonic() + timeout, len(self.seen)
        while time.monotonic() < deadline:
            if re.search(pattern, self.seen[start:]):
                return self.seen[start:]
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        raise AssertionError(f"no {pattern!r} within {timeout:.0f} s:\n{self.seen[-3000:]}")

    def type(self, text: str) -> None:
        os.write(self.master, (text + "\n").encode())

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
        self.process.wait(30)
        os.close(self.master)


@pytest.fixture
def shell(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "SHELL_DEBUG",
                                                             "SHELL_VERBOSE")}
    env.update(RASA_PORT=str(servers.free_port()), ACTION_PORT=str(servers.free_port()),
               TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
               LOCK_STORE_URL=f"sqlite:///{tmp_path / 'locks.db'}", TERM="dumb")
    terminal = Terminal(env)
    yield terminal
    terminal.close()


def test_the_readme_conversation_in_make_shell(shell):
    shell.read_until(r"Vous : ", timeout=240)
    shell.type("Bonjour")
    greeting = shell.read_until(r"Vous : ")
    assert re.search(r"\n\s+1\) ", greeting), greeting  # buttons, numbered
    shell.type("la population est ouverte samedi ?")  # typed after buttons: sent as typed
    answer = shell.read_until(r"Vous : ")
    assert "Population" in answer or "population" in answer, answer
    assert "samedi" in answer.lower(), answer

    shell.type("/debug")
    shell.read_until(r"détail affiché[^\n]*\n[\s\S]*Vous : ")
    shell.type("et leur numéro de téléphone ?")
    detail = shell.read_until(r"Vous : ")
    assert "┆ intention ask_contact" in detail, detail
    assert "┆ actions action_" in detail, detail

    shell.type("Bonjour")
    buttons = shell.read_until(r"Vous : ")
    first = re.search(r"\n\s+1\) ([^\r\n]+)", buttons)
    assert first, buttons
    shell.type("1")  # the first button's payload
    picked = shell.read_until(r"Vous : ")
    assert "Assistant : " in picked and "┆ intention " in picked

    shell.type("/stop")
    shell.process.wait(60)
    assert shell.process.returncode == 0
    for noise in ("DeprecationWarning", "FutureWarning", "UserWarning", "Traceback"):
        assert noise not in shell.seen, shell.seen[-3000:]
