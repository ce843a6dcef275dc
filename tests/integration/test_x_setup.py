"""`make x-setup` against the fake X API on 127.0.0.1: register, run again (no change), delete,
and X's refusals."""

from __future__ import annotations

import pytest

from connectors import x_setup
from tests.support.fake_x_api import FakeXAPI, free_port

pytestmark = pytest.mark.integration

KEYS = ("setup-ck", "setup-cs", "setup-at", "setup-ats")
BOT = "1500000000000000001"
URL = "https://assistant.liege.be/webhooks/x/webhook"


@pytest.fixture
def x_api():
    with FakeXAPI(*KEYS, bearer_token="setup-bearer", bot_user_id=BOT) as fake:
        yield fake


def env(x_api: FakeXAPI, **extra: str) -> dict:
    return {"X_CONSUMER_KEY": KEYS[0], "X_CONSUMER_SECRET": KEYS[1], "X_ACCESS_TOKEN": KEYS[2],
            "X_ACCESS_TOKEN_SECRET": KEYS[3], "X_BEARER_TOKEN": "setup-bearer",
            "X_WEBHOOK_URL": URL, "X_BOT_USER_ID": BOT, "X_API_URL": x_api.url, **extra}


def test_setup_registers_then_changes_nothing_then_deletes(x_api, capsys):
    assert x_setup.main([], env=env(x_api)) == 0
    out = capsys.readouterr().out
    [hook] = x_api.state.webhooks
    assert hook["url"] == URL and f"registered webhook {hook['id']}" in out
    subs = x_api.state.subscriptions
    assert sorted(s["event_type"] for s in subs) == ["dm.received", "dm.sent"]
    assert all(s["filter"] == {"user_id": BOT} and s["webhook_id"] == hook["id"] for s in subs)
    # Webhooks with the app's bearer token; subscriptions created as the city's account.
    auth = {(r.method, r.path): r.auth for r in x_api.snapshot()}
    assert auth[("POST", "/2/webhooks")] == "bearer"
    assert auth[("POST", "/2/activity/subscriptions")] == "oauth1"

    before = len(x_api.snapshot())
    assert x_setup.main([], env=env(x_api)) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert [r.method for r in x_api.snapshot()[before:]] == ["GET", "GET"]  # lists only
    assert len(x_api.state.webhooks) == 1 and len(x_api.state.subscriptions) == 2

    assert x_setup.main(["--delete"], env=env(x_api)) == 0
    out = capsys.readouterr().out
    assert out.count("deleted subscription") == 2 and "deleted webhook" in out
    assert x_api.state.webhooks == [] and x_api.state.subscriptions == []
    assert x_setup.main(["--delete"], env=env(x_api)) == 0
    assert "nothing to do (nothing registered)" in capsys.readouterr().out


def test_an_invalid_webhook_is_revalidated(x_api, capsys):
    assert x_setup.main([], env=env(x_api)) == 0
    x_api.state.webhooks[0]["valid"] = False
    capsys.readouterr()
    assert x_setup.main([], env=env(x_api)) == 0
    assert "re-validated webhook" in capsys.readouterr().out
    assert ("PUT", f"/2/webhooks/{x_api.state.webhooks[0]['id']}") in [
        (r.method, r.path) for r in x_api.snapshot()]


def test_dry_run_sends_nothing(x_api, capsys):
    assert x_setup.main(["--dry-run"], env=env(x_api)) == 0
    assert "POST" in capsys.readouterr().out and x_api.snapshot() == []


def test_refusals_exit_1(x_api, capsys):
    assert x_setup.main([], env=env(x_api, X_BEARER_TOKEN="wrong")) == 1
    assert "x-setup: X refused: listing the webhooks: HTTP 401" in capsys.readouterr().err
    x_api.fail(status=403, code=453, endpoint="subscriptions", times=3)
    assert x_setup.main([], env=env(x_api)) == 1
    assert "X error 453" in capsys.readouterr().err


def test_no_x_api_exits_1_quickly(capsys):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = {"X_CONSUMER_KEY": "k", "X_CONSUMER_SECRET": "s", "X_ACCESS_TOKEN": "t",
                "X_ACCESS_TOKEN_SECRET": "u", "X_BEARER_TOKEN": "b", "X_WEBHOOK_URL": URL,
                "X_BOT_USER_ID": BOT, "X_API_URL": dead}
    assert x_setup.main([], env=settings) == 1
    assert "x-setup: X refused" in capsys.readouterr().err
