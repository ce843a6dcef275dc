"""`make run` as ops use it: everything starts, the REST channel answers, a killed rasa server
is restarted, Ctrl-C stops it all."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from tests.support import servers

pytestmark = pytest.mark.integration


def read_until(process: subprocess.Popen, pattern: str, timeout: float) -> str:
    """The output of `process` up to the first line matching `pattern`."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    raise AssertionError(f"no line matching {pattern!r} within {timeout:.0f}s:\n{''.join(seen)}")


@contextlib.contextmanager
def make_run(tmp_path) -> Iterator[Tuple[subprocess.Popen, Dict[str, str]]]:
    """`make run` on free ports with a fresh tracker; yields the process and the ports.

    Afterwards, checks that nothing is left listening on those ports.
    """
    ports = {name: str(servers.free_port()) for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    env = dict(os.environ, **ports, TRACKER_STORE_URL=f"sqlite:///{tmp_path}/tracker.db",
               LOCK_STORE_URL=f"sqlite:///{tmp_path}/locks.db")
    for name in ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN", "MAKEFLAGS",
                 "RESTART_LIMIT", "RESTART_WINDOW", "X_CONSUMER_KEY", "X_CONSUMER_SECRET",
                 "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET", "X_BOT_USER_ID"):
        env.pop(name, None)
    process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=servers.PROJECT_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        yield process, ports
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert_nothing_listens(ports)


def assert_nothing_listens(ports: Dict[str, str]) -> None:
    for port in ports.values():
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def stop_with_ctrl_c(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches make and the supervisor
    rest = process.communicate(timeout=60)[0]
    assert "Stopped." in rest
    assert process.returncode in (0, -signal.SIGINT)  # make itself dies of the Ctrl-C
    return rest


def test_make_run_answers_and_stops_cleanly(tmp_path):
    with make_run(tmp_path) as (process, ports):
        output = read_until(process, r"Press Ctrl-C to stop", timeout=240)
        assert "Facebook Messenger: off" in output
        assert "X (Twitter) Direct Messages: off" in output
        assert f"http://localhost:{ports['WEB_PORT']}" in output
        assert "Conversations older than 90 days are deleted daily" in output

        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        assert servers.rest_send(rasa, "ops", "Bonjour")[0]["text"].startswith("Bonjour !")
        answer = servers.rest_send(rasa, "ops", "comment renouveler ma carte d'identité ?")
        assert "carte d'identité" in answer[0]["text"].lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['WEB_PORT']}/", timeout=10) as page:
            assert page.status == 200

        stop_with_ctrl_c(process)


def test_make_run_restarts_a_killed_rasa_server(tmp_path):
    """The rasa server dies as if out of memory: it is restarted, the conversation goes on."""
    with make_run(tmp_path) as (process, ports):
        output = read_until(process, r"Press Ctrl-C to stop", timeout=240)
        token = re.search(r"token: (\S+)", output).group(1)
        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        assert servers.rest_send(rasa, "oom", "Bonjour")[0]["text"].startswith("Bonjour !")

        pid_file = servers.PROJECT_ROOT / ".run" / "rasa.pid"
        pid = int(pid_file.read_text())
        command = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
        assert command[command.index("--port") + 1] == ports["RASA_PORT"]  # this run's server
        os.kill(pid, signal.SIGKILL)

        restart = read_until(process, r"The rasa server is back", timeout=300)
        assert re.search(r"The rasa server exited: killed by SIGKILL \(signal 9\).*\. "
                         r"Restarting it in 1 s \(restart 1 of at most 5 in 10 min\)\.", restart)
        assert "action server" not in restart and "widget page" not in restart
        assert int(pid_file.read_text()) != pid

        answer = servers.rest_send(rasa, "oom", "comment renouveler ma carte d'identité ?")
        assert "carte d'identité" in answer[0]["text"].lower()
        tracker = servers.http_json("GET", f"{rasa}/conversations/oom/tracker?token={token}")
        said = [event["text"] for event in tracker["events"] if event["event"] == "user"]
        assert said == ["Bonjour", "comment renouveler ma carte d'identité ?"]  # none lost

        stop_with_ctrl_c(process)
