"""X channel units: CRC and signatures, both delivery shapes, numbered choices, one DM per turn,
the pause and choice memories, settings, the X API client's error handling and x-setup's
configuration (no network, no rasa server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from connectors import credentials, x_setup
from connectors import x_webhook as xw
from connectors.buttons import (
    Choice,
    is_feedback,
    match_reply,
    numbered_lines,
    read_button,
    read_buttons,
)
from connectors.http_client import HTTPResult
from connectors.x import ChoiceMemory, HumanPause, XInput
from connectors.x_api import XAPIClient, describe_x_error
from connectors.x_format import DM_TEXT_LIMIT, TurnText, reply_hint

SECRET = "the-consumer-secret-value"
BOT, CITIZEN = "4337869213", "3001969357"
X_ENV = {"X_CONSUMER_KEY": "ck", "X_CONSUMER_SECRET": SECRET, "X_ACCESS_TOKEN": "at",
         "X_ACCESS_TOKEN_SECRET": "ats", "X_BOT_USER_ID": BOT}


def dm(event_id="954491830116155396", sender=CITIZEN, recipient=BOT, text="Bonjour",
       **data):
    return {"type": "message_create", "id": event_id, "created_timestamp": "1516403560557",
            "message_create": {"target": {"recipient_id": recipient}, "sender_id": sender,
                               "message_data": {"text": text, "entities": {}, **data}}}


def account_activity(*events, **other):
    return {"for_user_id": BOT, "direct_message_events": list(events), "users": {}, **other}


def activity(event_type, *events, user=BOT):
    return {"event_type": event_type, "event_uuid": "-6850472171600526495",
            "filter": {"user_id": user}, "tag": "dm",
            "payload": {"direct_message_events": list(events), "users": {}}}


# --- CRC and signatures ------------------------------------------------------------------------

def test_crc_answer_is_base64_hmac_sha256_of_the_token():
    token = "Y2hhbGxlbmdlLXRva2VuLTEyMzQ1Ng=="
    expected = base64.b64encode(hmac.new(SECRET.encode(), token.encode(),
                                         hashlib.sha256).digest()).decode()
    assert xw.crc_response(SECRET, token) == {"response_token": "sha256=" + expected}


@pytest.mark.parametrize("token", [
    "", "short", "x" * 129, '{"for_user_id":"1","direct_message_events":[]}',
    "has spaces in the token", "sha256=abc/def+ghi==\n", None, 12345678901234567,
    "é" * 20,
])
def test_crc_tokens_outside_the_safe_pattern_are_not_signed(token):
    assert not xw.valid_crc_token(token)
    with pytest.raises(ValueError):
        xw.crc_response(SECRET, token if isinstance(token, str) else "")


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    body = b'{"for_user_id":"1"}'
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    assert xw.signature_for(SECRET, body) == "sha256=" + expected.decode()
    assert xw.valid_signature(SECRET, body, xw.signature_for(SECRET, body))


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha256=AAAA", xw.signature_for("other", b"{}"),
    xw.signature_for(SECRET, b"{} "), xw.signature_for(SECRET, b"{}")[len("sha256="):],
    "sha256=" + hmac.new(SECRET.encode(), b"{}", hashlib.sha256).hexdigest(),  # hex, not b64
    "sha256=\udcff",
])
def test_bad_or_missing_signatures_are_refused(header):
    assert not xw.valid_signature(SECRET, b"{}", header)


def test_no_secret_never_validates():
    assert not xw.valid_signature("", b"{}", xw.signature_for("", b"{}"))


# --- deliveries --------------------------------------------------------------------------------

def test_account_activity_batch_and_ignored_event_types():
    delivery = xw.parse_delivery(account_activity(
        dm("1", text="Bonjour"), dm("2", text="Horaires ?"),
        {"type": "message_delete", "id": "3"},
        direct_message_indicate_typing_events=[{"sender_id": CITIZEN}],
        tweet_create_events=[{"id_str": "9"}], favorite_events=[{}]))
    assert [(m.event_id, m.sender_id, m.recipient_id, m.text, m.account_id, m.shape)
            for m in delivery.messages] == [
        ("1", CITIZEN, BOT, "Bonjour", BOT, "account_activity"),
        ("2", CITIZEN, BOT, "Horaires ?", BOT, "account_activity")]
    assert set(delivery.ignored) == {"direct_message:message_delete",
                                     "direct_message_indicate_typing_events",
                                     "tweet_create_events", "favorite_events"}
    assert delivery.problems == []


def test_x_activity_single_object_and_list():
    single = xw.parse_delivery({"data": activity("dm.received", dm("10"))})
    assert [(m.event_id, m.shape, m.account_id) for m in single.messages] == [
        ("10", "dm.received", BOT)]
    many = xw.parse_delivery({"data": [
        activity("dm.received", dm("11"), dm("12")),
        activity("dm.sent", dm("13", sender=BOT, recipient=CITIZEN)),
        {"event_type": "dm.read", "payload": {}}, {"event_type": "dm.indicate_typing"},
        {"event_type": "chat.received", "payload": {"encoded_event": "…"}},
        {"event_type": "oauth.revoke", "payload": {"user_id": BOT}}]})
    assert [m.event_id for m in many.messages] == ["11", "12", "13"]
    assert many.messages[2].shape == "dm.sent"
    assert many.ignored == ["dm.read", "dm.indicate_typing", "chat.received", "oauth.revoke"]


def test_media_only_dm_and_dm_with_text_and_media():
    photo = {"attachment": {"type": "media", "media": {
        "type": "photo", "url": "https://t.co/abc123", "media_url_https": "https://pbs…"}}}
    only = xw.parse_delivery(account_activity(dm("20", text="https://t.co/abc123", **photo)))
    [message] = only.messages
    assert message.media_only and message.media == ["photo"] and message.text == ""
    gif = {"attachment": {"type": "media", "media": {"type": "animated_gif",
                                                      "url": "https://t.co/g"}}}
    both = xw.parse_delivery(account_activity(dm("21", text="Voici le trou https://t.co/g",
                                                 **gif)))
    assert not both.messages[0].media_only and both.messages[0].text == "Voici le trou"
    assert both.messages[0].media == ["GIF"]


def test_legacy_quick_reply_metadata_is_kept_and_bounded():
    delivery = xw.parse_delivery(account_activity(dm("30", text="Prix", quick_reply_response={
        "type": "options", "metadata": "/ask_price" + "x" * 5000})))
    assert len(delivery.messages[0].choice_payload) == xw.MAX_QUICK_REPLY_METADATA


@pytest.mark.parametrize("payload", [
    None, [], "text", 42, {}, {"data": "x"}, {"data": [1, "a", None]},
    {"data": {"event_type": "dm.received"}}, {"data": {"event_type": "dm.received",
                                                       "payload": {"direct_message_events": 5}}},
    {"for_user_id": BOT, "direct_message_events": "x"},
    {"for_user_id": BOT, "direct_message_events": [None, 1, {"type": "message_create"}]},
    account_activity(dm("abc")), account_activity(dm("1", sender="not-an-id")),
    account_activity(dm("1", recipient=["x"])), account_activity(dm("9" * 40)),
    account_activity({"type": "message_create", "id": "1", "message_create": "x"}),
])
def test_malformed_deliveries_give_no_message_and_do_not_raise(payload):
    delivery = xw.parse_delivery(payload)
    assert delivery.messages == []


def test_a_delivery_holds_at_most_max_dm_events():
    delivery = xw.parse_delivery(account_activity(*[dm(str(i)) for i in range(150)]))
    assert len(delivery.messages) == xw.MAX_DM_EVENTS
    assert "50 DM event(s)" in delivery.problems[0]


def test_non_string_text_is_empty_and_ids_may_be_integers():
    event = dm(123, text=None)
    event["message_create"]["sender_id"] = int(CITIZEN)
    [message] = xw.parse_delivery(account_activity(event)).messages
    assert (message.event_id, message.sender_id, message.text) == ("123", CITIZEN, "")
    assert message.empty


# --- buttons and numbered replies --------------------------------------------------------------

def test_read_button_kinds():
    assert read_button({"title": "Prix", "payload": "/ask_price"}) == Choice(
        "postback", "Prix", payload="/ask_price")
    assert read_button({"title": "Site", "url": "https://www.liege.be", "type": "web_url"}) \
        == Choice("web_url", "Site", url="https://www.liege.be")
    assert read_button({"title": "Sans payload"}).payload == "Sans payload"
    assert read_button({"payload": "/x"}) is None and read_button("x") is None
    assert read_button({"title": "Lien", "type": "web_url"}) is None


def test_numbered_lines_and_replies():
    choices = read_buttons([{"title": "Prix", "payload": "/ask_price"},
                            {"title": "Documents à fournir", "payload": "/ask_documents"},
                            {"title": "Délai", "payload": "/ask_delay"}])
    assert numbered_lines(choices) == ["1. Prix", "2. Documents à fournir", "3. Délai"]
    assert numbered_lines(choices, start=4)[0] == "4. Prix"
    for reply, index in [("1", 0), (" 2 ", 1), ("2.", 1), ("3)", 2), ("n°2", 1), ("#3", 2),
                         ("documents a fournir", 1), ("DÉLAI !", 2), ("prix", 0)]:
        assert match_reply(reply, choices) is choices[index], reply
    for reply in ["0", "4", "12", "Bonjour", "", "1 2", "prix du passeport", "x" * 300]:
        assert match_reply(reply, choices) is None, reply
    assert match_reply("1", []) is None


def test_feedback_choices_are_recognised_by_their_payload():
    positive = {"title": "👍 Utile", "payload": "/feedback_positive"}
    assert is_feedback(positive) and is_feedback(read_button(positive))
    assert is_feedback({"title": "👎 Pas utile", "payload": "/feedback_negative"})
    for other in [{"title": "Prix", "payload": "/ask_price"}, {"title": "Utile"},
                  {"title": "Avis", "url": "https://x.be/feedback_", "payload": "/feedback_x"},
                  "x", None]:
        assert not is_feedback(other) and not is_feedback(read_button(other)), other


def test_feedback_choices_are_numbered_after_the_answers_and_answered_by_name_or_number():
    turn = TurnText()
    turn.add_buttons("Le passeport coûte 75 €.", [
        {"title": "Documents", "payload": "/ask_documents"},
        {"title": "Site", "url": "https://www.liege.be", "type": "web_url"},
        {"title": "👍 Utile", "payload": "/feedback_positive"},
        {"title": "👎 Pas utile", "payload": "/feedback_negative"}])
    [text] = turn.render()
    assert text == ("Le passeport coûte 75 €.\n1. Documents\n2. 👍 Utile\n3. 👎 Pas utile\n"
                    "Site : https://www.liege.be\n\n" + reply_hint(3))
    # The emoji are folded away: the citizen types the words, or the number.
    negative, positive = "/feedback_negative", "/feedback_positive"
    for reply, payload in [("pas utile", negative), ("PAS UTILE !", negative), ("3", negative),
                           ("utile", positive), ("👍 Utile", positive), ("2", positive),
                           ("documents", "/ask_documents")]:
        assert match_reply(reply, turn.choices).payload == payload, reply
    assert match_reply("pas très utile", turn.choices) is None


# --- one DM per turn ---------------------------------------------------------------------------

def test_a_turn_is_one_dm_with_numbered_choices_across_messages_and_plain_links():
    turn = TurnText()
    turn.add_text("Bonjour !")
    turn.add_buttons("Que voulez-vous savoir ?", [
        {"title": "Prix", "payload": "/ask_price"}, {"title": "Documents", "payload": "/docs"},
        {"title": "Site de la Ville", "url": "https://www.liege.be", "type": "web_url"}])
    turn.add_buttons("Autre chose ?", [{"title": "Parler à un agent",
                                       "payload": "/human_handoff"}])
    [text] = turn.render()
    assert text == ("Bonjour !\n\nQue voulez-vous savoir ?\n1. Prix\n2. Documents\n"
                    "Site de la Ville : https://www.liege.be\n\nAutre chose ?\n"
                    "3. Parler à un agent\n\n" + reply_hint(3))
    assert [c.payload for c in turn.choices] == ["/ask_price", "/docs", "/human_handoff"]
    assert reply_hint(3) == ("Répondez par le numéro de votre choix (1 à 3), ou posez votre "
                             "question.")


def test_a_turn_without_buttons_has_no_hint_and_an_empty_turn_no_dm():
    turn = TurnText()
    turn.add_text("  ")
    assert turn.render() == []
    turn.add_text("Merci !")
    assert turn.render() == ["Merci !"]


def test_a_turn_is_split_only_past_the_dm_text_limit():
    turn = TurnText()
    paragraph = "Une phrase d'information sur la démarche. " * 50
    for _ in range(8):
        turn.add_text(paragraph)
    pieces = turn.render()
    assert len("\n\n".join(turn.parts)) > DM_TEXT_LIMIT
    assert len(pieces) == 2 and all(len(p) <= DM_TEXT_LIMIT for p in pieces)
    assert " ".join(pieces).split() == " ".join(turn.parts).split()


def test_numbered_choices_are_capped():
    turn = TurnText()
    turn.add_buttons("Choix", [{"title": f"Option {i}", "payload": f"/o{i}"}
                               for i in range(30)])
    assert len(turn.choices) == 20 and "20. Option 19" in turn.render()[0]


def test_elements_become_text_with_their_buttons():
    turn = TurnText()
    turn.add_elements([{"title": "Population", "subtitle": "Rez-de-chaussée",
                        "buttons": [{"title": "Horaires", "payload": "/ask_hours"}]}])
    assert turn.render()[0].startswith("Population — Rez-de-chaussée\n1. Horaires")


# --- per-citizen memories ----------------------------------------------------------------------

def test_human_pause_expires():
    now = [1000.0]
    pauses = HumanPause(clock=lambda: now[0])
    assert pauses.remaining(CITIZEN) == 0
    pauses.pause(CITIZEN, 120 * 60)
    assert pauses.remaining(CITIZEN) == 7200
    now[0] += 7199
    assert pauses.remaining(CITIZEN) == 1
    pauses.pause(CITIZEN, 60)  # a new message by the person extends it from now
    now[0] += 59
    assert pauses.remaining(CITIZEN) == 1
    now[0] += 2
    assert pauses.remaining(CITIZEN) == 0 and pauses.remaining("other") == 0


def test_choice_memory_is_replaced_and_forgotten():
    now = [0.0]
    memory = ChoiceMemory(ttl=1800, clock=lambda: now[0], max_size=2)
    first = [Choice("postback", "A", "/a")]
    memory.remember(CITIZEN, first)
    assert memory.get(CITIZEN) == first
    memory.remember(CITIZEN, [Choice("postback", "B", "/b")])
    assert memory.get(CITIZEN)[0].title == "B"
    now[0] = 1801
    assert memory.get(CITIZEN) == []
    for citizen in ("1", "2", "3"):
        memory.remember(citizen, first)
    assert memory.get("1") == [] and memory.get("3") == first  # bounded size


# --- settings ----------------------------------------------------------------------------------

def test_channel_is_off_without_its_secrets(monkeypatch, caplog):
    for name in X_ENV:
        monkeypatch.delenv(name, raising=False)
    channel = XInput.from_credentials({"consumer-key": "${X_CONSUMER_KEY}"})
    assert not channel.enabled and channel.client is None
    assert "X (Twitter) DMs: off (set X_CONSUMER_KEY, X_CONSUMER_SECRET" in caplog.text


def test_channel_reads_placeholders_and_optional_settings(monkeypatch):
    for name, value in {**X_ENV, "X_API_URL": "http://127.0.0.1:9", "X_APP_ID": "77",
                        "X_HUMAN_PAUSE_MINUTES": "15"}.items():
        monkeypatch.setenv(name, value)
    channel = XInput.from_credentials({key: f"${{{env}}}" for key, env in
                                       [("consumer-key", "X_CONSUMER_KEY"),
                                        ("consumer-secret", "X_CONSUMER_SECRET"),
                                        ("access-token", "X_ACCESS_TOKEN"),
                                        ("access-token-secret", "X_ACCESS_TOKEN_SECRET"),
                                        ("bot-user-id", "X_BOT_USER_ID")]})
    assert channel.enabled and channel.bot_user_id == BOT
    assert channel.client.base_url == "http://127.0.0.1:9" and channel.app_id == "77"
    assert channel.human_pause_minutes == 15
    assert channel.get_output_channel().name() == "x"


def test_a_non_numeric_bot_id_keeps_the_channel_off(caplog):
    channel = XInput("ck", SECRET, "at", "ats", "@VilledeLiege")
    assert not channel.enabled and "numeric id" in caplog.text


def test_credentials_file_names_x_off_in_one_line_and_keeps_it_when_set():
    text = (credentials.Path(__file__).resolve().parents[2] / "credentials.yml").read_text()
    _, off = credentials.render(text, {"CORS_ORIGINS": "x"})
    assert [line for line in off if line.startswith("X (Twitter)")] == [
        "X (Twitter) Direct Messages: off (set X_CONSUMER_KEY, X_CONSUMER_SECRET, "
        "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET, X_BOT_USER_ID to turn it on)"]
    rendered, off = credentials.render(text, {"CORS_ORIGINS": "x", **X_ENV})
    assert not [line for line in off if line.startswith("X (Twitter)")]
    assert "connectors.x.XInput:" in rendered and "${X_CONSUMER_SECRET}" in rendered
    assert SECRET not in rendered


# --- the X API client --------------------------------------------------------------------------

def test_x_error_descriptions_name_the_code():
    assert describe_x_error(403, {"errors": [{"code": 349, "message": "You cannot send "
                                              "messages to this user."}]}, "") == (
        "HTTP 403, X error 349 (cannot message this user (their DM settings or a block)): "
        "You cannot send messages to this user.")
    assert describe_x_error(403, {"errors": [{"code": 476}]}, "").startswith(
        "HTTP 403, X error 476 (the user accepts DMs from verified senders only)")
    assert describe_x_error(401, {"title": "Unauthorized", "detail": "Unauthorized"}, "") == \
        "HTTP 401: Unauthorized"
    assert describe_x_error(502, {}, "<html>Bad gateway</html>") == \
        "HTTP 502: <html>Bad gateway</html>"


def test_rate_limit_wait_is_bounded(monkeypatch):
    client = XAPIClient("ck", SECRET, "at", "ats", base_url="http://127.0.0.1:9",
                        max_rate_limit_wait=30)
    monkeypatch.setattr("connectors.x_api.time.time", lambda: 1_000_000.0)
    soon = HTTPResult(False, 429, headers={"x-rate-limit-reset": "1000010"}, error="HTTP 429")
    assert client.retry_delay(1, soon) == pytest.approx(10.5)
    later = HTTPResult(False, 429, headers={"x-rate-limit-reset": "1000900"}, error="HTTP 429")
    assert client.retry_delay(1, later) is None and "not retried" in later.error
    assert client.retry_delay(2, HTTPResult(False, 429)) == pytest.approx(1.0)  # no header
    assert client.retry_delay(1, HTTPResult(False, 403)) is None
    assert client.retry_delay(1, HTTPResult(False, 503)) == pytest.approx(0.5)
    assert client.retry_delay(1, HTTPResult(False, None)) == pytest.approx(0.5)


def test_oauth1_header_is_fresh_per_attempt_and_carries_no_secret():
    client = XAPIClient("ck", SECRET, "at", "ats-secret", base_url="http://127.0.0.1:9")
    url = client.url("2/dm_conversations/with/1/messages")
    _, first = client.prepare("POST", url, {}, {"text": "x"})
    _, second = client.prepare("POST", url, {}, {"text": "x"})
    assert first["Authorization"].startswith("OAuth ") and first != second
    assert 'oauth_token="at"' in first["Authorization"]
    assert SECRET not in first["Authorization"] and "ats-secret" not in first["Authorization"]
    bearer = XAPIClient(bearer_token="app-bearer")
    assert bearer.prepare("GET", "u", {}, None)[1] == {"Authorization": "Bearer app-bearer"}
    with pytest.raises(ValueError):
        XAPIClient()


# --- x-setup configuration ---------------------------------------------------------------------

def test_setup_without_settings_exits_2(capsys):
    assert x_setup.main([], env={}) == 2
    assert "x-setup: set X_BEARER_TOKEN, X_WEBHOOK_URL, X_BOT_USER_ID" in capsys.readouterr().err


def test_setup_dry_run_prints_the_calls_and_needs_no_secret(capsys):
    assert x_setup.main(["--dry-run"], env={"X_BOT_USER_ID": BOT}) == 0
    out = capsys.readouterr().out
    assert "nothing is sent" in out and "POST https://api.x.com/2/webhooks" in out
    assert json.dumps({"event_type": "dm.received", "filter": {"user_id": BOT},
                       "tag": x_setup.TAG, "webhook_id": "<webhook id>"}) in out
    assert '"event_type": "dm.sent"' in out
    assert x_setup.main(["--dry-run", "--delete"], env={}) == 0
    assert "DELETE https://api.x.com/2/webhooks/<id>" in capsys.readouterr().out


def test_setup_refuses_a_non_numeric_bot_id(capsys):
    env = {"X_BEARER_TOKEN": "b", "X_WEBHOOK_URL": "https://a/webhooks/x/webhook",
           "X_BOT_USER_ID": "@ville", **{k: "v" for k in x_setup.USER_SETTINGS}}
    assert x_setup.main([], env=env) == 2
    assert "numeric id" in capsys.readouterr().err
