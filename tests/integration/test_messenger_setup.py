"""`make messenger-setup` (python -m connectors.messenger_setup) and the credentials renderer
used by `make run`, as subprocesses, against the fake Graph API on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys

import pytest

from connectors import messenger_setup
from tests.support.fake_graph_api import FakeGraphAPI
from tests.support.servers import PROJECT_ROOT

pytestmark = pytest.mark.integration

TOKEN, SECRET = "page-token-setup", "app-secret-setup"


def run(args, env, timeout=60):
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def graph():
    with FakeGraphAPI() as fake:
        yield fake


def setup_env(graph, **extra):
    env = {"PATH": "/usr/bin:/bin", "FB_PAGE_ACCESS_TOKEN": TOKEN, "FB_APP_SECRET": SECRET,
           "FB_GRAPH_API_URL": graph.url, "FB_GRAPH_API_VERSION": "v25.0"}
    env.update(extra)
    return env


def test_setup_posts_get_started_greeting_and_menu(graph):
    result = run(["connectors.messenger_setup"], setup_env(graph))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Messenger profile set (get_started, greeting, persistent_menu) via "
        f"{graph.url}/v25.0/me/messenger_profile")
    [call] = graph.snapshot()
    assert (call.method, call.path) == ("POST", "/v25.0/me/messenger_profile")
    assert call.body == messenger_setup.profile()
    assert call.query["access_token"] == TOKEN
    assert call.query["appsecret_proof"] == hmac.new(SECRET.encode(), TOKEN.encode(),
                                                     hashlib.sha256).hexdigest()


def test_setup_delete_removes_the_three_fields(graph):
    result = run(["connectors.messenger_setup", "--delete"], setup_env(graph))
    assert result.returncode == 0, result.stderr
    [call] = graph.snapshot()
    assert (call.method, call.body) == ("DELETE", {"fields": ["get_started", "greeting",
                                                             "persistent_menu"]})


def test_setup_reports_a_graph_api_error_and_exits_1(graph):
    graph.fail(status=400, times=5)
    result = run(["connectors.messenger_setup"], setup_env(graph))
    assert result.returncode == 1
    assert "Messenger profile NOT updated" in result.stderr
    assert "HTTP 400, code 100" in result.stderr
    assert TOKEN not in result.stderr + result.stdout  # the token is never printed


def test_setup_retries_a_500_then_succeeds(graph):
    graph.fail(status=500, times=1)
    result = run(["connectors.messenger_setup"], setup_env(graph))
    assert result.returncode == 0, result.stderr
    assert [c.answered for c in graph.snapshot()] == [500, 200]


def test_setup_without_a_graph_api_exits_1_quickly(graph):
    port = graph.port
    graph.stop()  # nothing listens there any more
    result = run(["connectors.messenger_setup"], setup_env(graph, FB_GRAPH_API_URL=
                                                           f"http://127.0.0.1:{port}"))
    assert result.returncode == 1
    assert "ClientConnectorError" in result.stderr


def test_run_credentials_line_when_facebook_is_off(tmp_path):
    out = tmp_path / "credentials.yml"
    result = run(["connectors.credentials", "credentials.yml", str(out)],
                 {"PATH": "/usr/bin:/bin", "CORS_ORIGINS": "http://localhost:8080"})
    assert result.returncode == 0
    assert result.stdout == ("Facebook Messenger: off (set FB_VERIFY_TOKEN, FB_APP_SECRET, "
                             "FB_PAGE_ACCESS_TOKEN to turn it on)\n"
                             "X (Twitter) Direct Messages: off (set X_CONSUMER_KEY, "
                             "X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET, "
                             "X_BOT_USER_ID to turn it on)\n")
