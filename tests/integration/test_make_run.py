"""`make run` as ops use it: everything starts, the REST channel answers, Ctrl-C stops it all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request

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


def test_make_run_answers_and_stops_cleanly(tmp_path):
    ports = {name: str(servers.free_port()) for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    env = dict(os.environ, **ports, TRACKER_DB=str(tmp_path / "tracker.db"))
    for secret in ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN", "MAKEFLAGS"):
        env.pop(secret, None)
    process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=servers.PROJECT_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        output = read_until(process, r"Press Ctrl-C to stop", timeout=240)
        assert "Facebook Messenger: off" in output
        assert f"http://localhost:{ports['WEB_PORT']}" in output

        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        assert servers.rest_send(rasa, "ops", "Bonjour")[0]["text"].startswith("Bonjour !")
        answer = servers.rest_send(rasa, "ops", "comment renouveler ma carte d'identité ?")
        assert "carte d'identité" in answer[0]["text"].lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['WEB_PORT']}/", timeout=10) as page:
            assert page.status == 200

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches make and its children
        rest = process.communicate(timeout=60)[0]
        assert "Stopped." in rest
        assert process.returncode in (0, -signal.SIGINT)  # make itself dies of the Ctrl-C
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for port in ports.values():  # nothing left listening
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
