"""The credentials renderer (connectors/credentials.py) and the page set-up profile
(connectors/messenger_setup.py): pure functions, no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from connectors import credentials, messenger_setup

PROJECT_ROOT = Path(__file__).resolve().parents[2]

FB_VARS = ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN")
FB_OFF_LINE = ("Facebook Messenger: off (set FB_VERIFY_TOKEN, FB_APP_SECRET, "
               "FB_PAGE_ACCESS_TOKEN to turn it on)")

SAMPLE = """\
# Header of the file.
# Second line.

# REST channel.
rest:

socketio:
  user_message_evt: user_uttered
  session_persistence: true

# Facebook Messenger.
connectors.facebook.MessengerInput:
  verify: "${FB_VERIFY_TOKEN}"
  secret: '${FB_APP_SECRET}'
  page-access-token: ${FB_PAGE_ACCESS_TOKEN}

# X.
addons.twitter.TwitterInput:
  consumer_key: "${X_KEY}"
  prefix: "bot-${X_KEY}"
"""


def full_env(**extra):
    env = {name: "set" for name in FB_VARS}
    env.update(extra)
    return env


def test_all_set_keeps_every_channel_and_unquotes_placeholders():
    text, messages = credentials.render(SAMPLE, full_env(X_KEY="k"))
    assert messages == []
    data = yaml.safe_load(text)
    assert list(data) == ["rest", "socketio", "connectors.facebook.MessengerInput",
                          "addons.twitter.TwitterInput"]
    assert "  verify: ${FB_VERIFY_TOKEN}\n" in text
    assert "  secret: ${FB_APP_SECRET}\n" in text
    assert '  prefix: "bot-${X_KEY}"\n' in text  # not a bare placeholder: left as written
    assert "# Header of the file." in text and "# Facebook Messenger." in text


def test_unset_variables_drop_the_channel_and_say_so_in_one_line():
    text, messages = credentials.render(SAMPLE, {"FB_APP_SECRET": "x"})
    assert messages == [
        "Facebook Messenger: off (set FB_VERIFY_TOKEN, FB_PAGE_ACCESS_TOKEN to turn it on)",
        "X/Twitter: off (set X_KEY to turn it on)"]
    assert list(yaml.safe_load(text)) == ["rest", "socketio"]
    assert "Facebook Messenger." not in text  # its comment went with it
    assert "# Header of the file." in text


def test_empty_variable_counts_as_unset():
    _, messages = credentials.render(SAMPLE, full_env(FB_APP_SECRET="", X_KEY="k"))
    assert messages == ["Facebook Messenger: off (set FB_APP_SECRET to turn it on)"]


def test_project_credentials_file_without_facebook_secrets():
    source = (PROJECT_ROOT / "credentials.yml").read_text()
    text, messages = credentials.render(source, {})
    assert FB_OFF_LINE in messages
    kept = yaml.safe_load(text)
    assert "connectors.facebook.MessengerInput" not in kept and "connectors.rest.RestInput" in kept


def test_project_credentials_file_with_facebook_secrets():
    source = (PROJECT_ROOT / "credentials.yml").read_text()
    text, messages = credentials.render(source, full_env())
    assert not any(m.startswith("Facebook Messenger") for m in messages)
    section = yaml.safe_load(text)["connectors.facebook.MessengerInput"]
    assert section == {"verify": "${FB_VERIFY_TOKEN}", "secret": "${FB_APP_SECRET}",
                       "page-access-token": "${FB_PAGE_ACCESS_TOKEN}"}
    assert "set" not in text.split("connectors.facebook.MessengerInput:")[1]  # no secret


def test_cli_writes_the_file_and_prints_one_line(tmp_path):
    out = tmp_path / "run" / "credentials.yml"
    env = {"PATH": "/usr/bin:/bin", "CORS_ORIGINS": "http://localhost:8080"}
    result = subprocess.run([sys.executable, "-m", "connectors.credentials", "credentials.yml",
                             str(out)], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # One line per channel left out: Messenger, and X (tests/unit/test_x_channel.py).
    assert result.stdout.splitlines()[0] == FB_OFF_LINE
    assert result.stdout.splitlines()[1:] == [
        "X (Twitter) Direct Messages: off (set X_CONSUMER_KEY, X_CONSUMER_SECRET, "
        "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET, X_BOT_USER_ID to turn it on)"]
    assert "connectors.rest.RestInput" in yaml.safe_load(out.read_text())


def test_cli_usage_and_unreadable_file(tmp_path):
    assert credentials.main([]) == 2
    assert credentials.main([str(tmp_path / "missing.yml"), str(tmp_path / "o.yml")]) == 2


# --- messenger profile ------------------------------------------------------------------------

def test_profile_is_french_and_within_messenger_limits():
    profile = messenger_setup.profile()
    assert profile["get_started"] == {"payload": "/greet"}
    [greeting] = profile["greeting"]
    assert greeting["locale"] == "default" and "Ville de Liège" in greeting["text"]
    assert len(greeting["text"]) <= 160
    [menu] = profile["persistent_menu"]
    assert menu["locale"] == "default" and menu["composer_input_disabled"] is False
    items = menu["call_to_actions"]
    assert 1 <= len(items) <= 20 and all(len(i["title"]) <= 30 for i in items)
    assert {"type": "postback", "title": "Parler à un agent", "payload": "/human_handoff"} in items
    assert any(i["type"] == "web_url" and i["url"].startswith("https://") for i in items)


def test_menu_payloads_are_domain_intents():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    intents = set(domain["intents"])
    payloads = [i["payload"] for i in messenger_setup.profile()["persistent_menu"][0]
                ["call_to_actions"] if i["type"] == "postback"]
    payloads.append(messenger_setup.profile()["get_started"]["payload"])
    for payload in payloads:
        assert payload.startswith("/") and payload[1:].split("{")[0] in intents, payload


def test_setup_without_token_exits_2(monkeypatch, capsys):
    monkeypatch.delenv("FB_PAGE_ACCESS_TOKEN", raising=False)
    assert messenger_setup.main([]) == 2
    assert "FB_PAGE_ACCESS_TOKEN" in capsys.readouterr().err
    assert messenger_setup.main(["--dry-run"]) == 0
