"""Session fixtures: real servers on 127.0.0.1 started once and shared by integration tests.

Unit tests (tests/unit) use none of these and run without a trained model.
"""

from __future__ import annotations

import itertools
from typing import Callable, Dict, List

import pytest

from tests.support import servers

# The action server of the test session runs on a frozen clock: a Tuesday morning in term time.
TEST_NOW = "2026-11-24T10:00:00"

_sender_ids = itertools.count(1)


@pytest.fixture(scope="session")
def servers_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def action_server(servers_dir):
    with servers.action_server(servers_dir, env={"CITYBOT_FROZEN_NOW": TEST_NOW}) as server:
        yield server


@pytest.fixture(scope="session")
def web_port() -> int:
    """The port of the widget page: its origin is the only one the test rasa server allows."""
    return servers.free_port()


@pytest.fixture(scope="session")
def rasa_server(servers_dir, action_server, web_port):
    origins = f"http://127.0.0.1:{web_port} http://localhost:{web_port}"
    env = {"CORS_ORIGINS": origins}
    for secret in ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN"):
        env[secret] = ""  # Messenger is tested with its own server and fake Graph API
    for secret in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN",
                   "X_ACCESS_TOKEN_SECRET", "X_BOT_USER_ID"):
        env[secret] = ""  # X too (tests/integration/test_x_rasa.py, fake X API)
    with servers.rasa_server(servers_dir, action_server.url, env=env) as server:
        yield server


@pytest.fixture
def sender_id(request) -> str:
    """A fresh conversation id per test, readable in server logs."""
    return f"{request.node.name[:40]}-{next(_sender_ids)}"


@pytest.fixture
def rest_chat(rasa_server) -> Callable[[str, str], List[Dict]]:
    """chat(sender_id, text) -> the bot's messages, through the REST channel."""

    def chat(sender: str, text: str, metadata: dict | None = None) -> List[Dict]:
        return servers.rest_send(rasa_server.url, sender, text, metadata)

    return chat
