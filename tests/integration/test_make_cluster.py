"""`make cluster` as ops use it: PostgreSQL, Redis, two rasa servers and nginx start; the
conversation goes on through nginx when a rasa server is killed; after Ctrl-C and a new start
the conversations are still there (PostgreSQL's data kept); Ctrl-C leaves nothing behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
from pathlib import Path
from typing import Dict, Iterator

import pytest

from tests.integration.test_make_run import assert_nothing_listens, read_until, stop_with_ctrl_c
from tests.support import postgres_server, redis_server, servers

pytestmark = pytest.mark.integration

READY = r"Press Ctrl-C to stop"


@pytest.fixture(scope="module")
def cluster_dir():
    if not (postgres_server.available() and redis_server.available()
            and (shutil.which("nginx") or Path("/usr/sbin/nginx").exists())):
        pytest.skip("PostgreSQL, redis-server or nginx is missing (make test-deps)")
    folder = Path(tempfile.mkdtemp(prefix="liege-test-cluster-"))
    folder.chmod(0o755)  # PostgreSQL's user reaches its data folder through it
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def ports() -> Dict[str, str]:
    return servers.cluster_ports()


@contextlib.contextmanager
def make_cluster(cluster_dir: Path, ports: Dict[str, str]) -> Iterator[subprocess.Popen]:
    # the daily purge runs 5 s after the start, then every 5 s
    env = dict(servers.make_cluster_env(ports, cluster_dir, "cluster-token"), PURGE_INTERVAL="5")
    process = subprocess.Popen(["make", "--no-print-directory", "cluster"],
                               cwd=servers.PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert_nothing_listens(ports)


def send_past_dead_connections(lb: str, sender: str, text: str, attempts: int = 4) -> list:
    """A message sent on one of nginx's kept-alive connections to the killed server gets 502
    (nginx never sends a POST twice: README, "When a part fails"); each nginx worker process
    learns it on its own connection, so the citizen's retry may meet another one. Sent again
    at most `attempts` times; any other error fails."""
    for attempt in range(1, attempts + 1):
        try:
            return servers.rest_send(lb, sender, text)
        except urllib.error.HTTPError as error:
            assert error.code == 502 and attempt < attempts, error
    raise AssertionError("unreachable")


def said(lb: str, sender: str) -> list:
    tracker = servers.http_json(
        "GET", f"{lb}/conversations/{sender}/tracker?token=cluster-token")
    return [event["text"] for event in tracker["events"] if event["event"] == "user"], tracker


def test_make_cluster_survives_a_killed_server_and_keeps_conversations(cluster_dir, ports):
    lb = f"http://127.0.0.1:{ports['LB_PORT']}"
    with make_cluster(cluster_dir, ports) as process:
        output = read_until(process, READY, timeout=300)
        assert f"Load balancer    : http://localhost:{ports['LB_PORT']}" in output
        assert "cluster-token" in output and "postgresql://" not in output

        assert servers.rest_send(lb, "ops-cluster", "Bonjour")[0]["text"].startswith("Bonjour")
        servers.rest_send(lb, "ops-cluster", "horaires de la piscine de Jonfosse")

        # rasa server 1 dies as if out of memory: nginx sends the next messages to server 2
        pid = int((cluster_dir / "rasa-1.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        follow_up = send_past_dead_connections(lb, "ops-cluster", "et c'est où ?")
        assert "Jonfosse" in follow_up[0]["text"]  # the context survived
        read_until(process, r"The rasa server 1 is back", timeout=300)
        stop_with_ctrl_c(process)

    # a new start: PostgreSQL's data was kept, so the conversation goes on
    with make_cluster(cluster_dir, ports) as process:
        read_until(process, READY, timeout=300)
        texts, tracker = said(lb, "ops-cluster")
        assert texts == ["Bonjour", "horaires de la piscine de Jonfosse", "et c'est où ?"]
        assert tracker["slots"]["service"] == "piscine"
        # PostgreSQL keeps personal data masked, and erases a conversation on request
        servers.rest_send(lb, "gdpr-cluster", "mon gsm 0470 12 34 56, horaires population")
        assert said(lb, "gdpr-cluster")[0] == ["mon gsm [téléphone], horaires population"]
        servers.rest_send(lb, "gdpr-cluster", "supprimez mes données")
        assert servers.rest_send(lb, "gdpr-cluster", "oui")[0]["text"].startswith("C'est fait")
        assert said(lb, "gdpr-cluster")[0] == []
        # the daily purge ran on PostgreSQL (counts only in its log)
        deadline = time.monotonic() + 60
        while "Retention (90 days):" not in (cluster_dir / "retention.log").read_text():
            assert time.monotonic() < deadline, (cluster_dir / "retention.log").read_text()
            time.sleep(1)
        assert "gsm" not in (cluster_dir / "retention.log").read_text()
        stop_with_ctrl_c(process)
