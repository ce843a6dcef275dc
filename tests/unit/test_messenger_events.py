"""Messenger connector units: signatures, webhook parsing, de-duplication, thread owners,
the per-citizen runner, settings (no network, no rasa server)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

import pytest

from connectors import facebook as fb
from connectors.graph_api import appsecret_proof, describe_error, normalize_version

SECRET = "app-secret"
BODY = b'{"object":"page","entry":[]}'


def event(psid="42", **fields):
    return {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1700, **fields}


def webhook(*events, key="messaging", page="PAGE"):
    return {"object": "page", "entry": [{"id": page, "time": 1700, key: list(events)}]}


# --- signatures --------------------------------------------------------------------------------

def test_signature_is_hmac_sha256_of_the_raw_body():
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert fb.signature_for(SECRET, BODY) == "sha256=" + expected
    assert fb.valid_signature(SECRET, BODY, "sha256=" + expected)
    assert fb.valid_signature(SECRET, BODY, "sha256=" + expected.upper())


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha256=deadbeef", "sha1=" + hashlib.sha1(BODY).hexdigest(),
    fb.signature_for("other-secret", BODY), fb.signature_for(SECRET, BODY + b" "),
    fb.signature_for(SECRET, BODY)[len("sha256="):],  # no prefix
])
def test_bad_or_missing_signatures_are_refused(header):
    assert not fb.valid_signature(SECRET, BODY, header)


def test_no_secret_never_validates():
    assert not fb.valid_signature("", BODY, fb.signature_for("", BODY))
    assert not fb.valid_signature(None, BODY, "sha256=x")


# --- parsing -----------------------------------------------------------------------------------

def test_text_quick_reply_and_postback():
    events = fb.parse_webhook(webhook(
        event(message={"mid": "m1", "text": "Bonjour"}),
        event(message={"mid": "m2", "text": "Oui", "quick_reply": {"payload": "/affirm"}}),
        event(postback={"mid": "m3", "title": "Démarrer", "payload": "/greet"}),
    ))
    assert [(e.kind, e.text, e.mid) for e in events] == [
        ("text", "Bonjour", "m1"), ("quick_reply", "/affirm", "m2"),
        ("postback", "/greet", "m3")]
    assert events[2].metadata() == {"facebook": {"mid": "m3", "page_id": "PAGE",
                                                 "timestamp": 1700, "kind": "postback",
                                                 "title": "Démarrer"}}


def test_every_entry_and_every_event_of_a_batch():
    payload = {"object": "page", "entry": [
        {"id": "PAGE", "time": 1, "messaging": [event("1", message={"mid": "a", "text": "x"}),
                                                event("2", message={"mid": "b", "text": "y"})]},
        {"id": "PAGE", "time": 2, "messaging": [event("3", message={"mid": "c", "text": "z"})]},
    ]}
    assert [(e.psid, e.mid) for e in fb.parse_webhook(payload)] == [
        ("1", "a"), ("2", "b"), ("3", "c")]


@pytest.mark.parametrize("attachment, kind", [
    ({"type": "image", "payload": {"url": "https://x/s.png", "sticker_id": 369239263222822}},
     "sticker"),
    ({"type": "image", "payload": {"url": "https://x/p.jpg"}}, "image"),
    ({"type": "audio", "payload": {"url": "https://x/a.mp4"}}, "audio"),
    ({"type": "video", "payload": {"url": "https://x/v.mp4"}}, "video"),
    ({"type": "file", "payload": {"url": "https://x/f.pdf"}}, "file"),
    ({"type": "location", "payload": {"coordinates": {"lat": 50.6, "long": 5.57}}}, "location"),
])
def test_attachments(attachment, kind):
    [parsed] = fb.parse_webhook(webhook(event(message={"mid": "m", "attachments": [attachment]})))
    assert parsed.kind == "attachment" and parsed.attachment_types == [kind]
    assert parsed.text is None


def test_text_with_attachment_is_a_text():
    [parsed] = fb.parse_webhook(webhook(event(message={
        "mid": "m", "text": "voir https://x.be", "attachments": [{"type": "fallback"}]})))
    assert parsed.kind == "text"


@pytest.mark.parametrize("fields, kind", [
    ({"message": {"mid": "m", "text": "bot", "is_echo": True, "app_id": 1}}, "echo"),
    ({"message": {"mid": "m", "is_echo": True, "attachments": [{"type": "image"}]}}, "echo"),
    ({"delivery": {"mids": ["m"], "watermark": 1}}, "delivery"),
    ({"read": {"watermark": 1}}, "read"),
    ({"reaction": {"mid": "m", "action": "react", "emoji": "👍"}}, "reaction"),
    ({"optin": {"ref": "x"}}, "unknown"),
    ({}, "unknown"),
])
def test_other_events(fields, kind):
    [parsed] = fb.parse_webhook(webhook(event(**fields)))
    assert parsed.kind == kind


def test_standby_events_are_parsed_as_standby():
    events = fb.parse_webhook(webhook(
        event(message={"mid": "m1", "text": "Allô ?"}),
        event(postback={"title": "Démarrer"}),  # standby postbacks come without payload
        key="standby"))
    assert [(e.kind, e.standby) for e in events] == [("text", True), ("unknown", True)]


def test_handover_events():
    events = fb.parse_webhook(webhook(
        event(pass_thread_control={"previous_owner_app_id": "263902037430900",
                                   "new_owner_app_id": 1234, "metadata": "fin"}),
        event(take_thread_control={"previous_owner_app_id": "1234",
                                   "new_owner_app_id": "263902037430900"}),
        event(request_thread_control={"requested_owner_app_id": 99}),
        event(app_roles={"1234": ["primary_receiver"]}),
    ))
    assert [e.kind for e in events] == ["pass_thread_control", "take_thread_control",
                                        "request_thread_control", "app_roles"]
    assert events[0].new_owner_app_id == "1234" and events[0].previous_owner_app_id == \
        "263902037430900"
    assert events[1].new_owner_app_id == "263902037430900"


@pytest.mark.parametrize("payload", [
    [], "x", 3, {"object": "instagram", "entry": []}, {"object": "page"},
    {"object": "page", "entry": "x"}, {"object": "page", "entry": ["x", {"messaging": "x"}]},
    {"object": "page", "entry": [{"messaging": [{"message": {"text": "sans expéditeur"}}]}]},
])
def test_malformed_payloads_give_no_event_and_do_not_raise(payload):
    assert fb.parse_webhook(payload) == []


# --- de-duplication ----------------------------------------------------------------------------

def test_recent_ids_remember_ids():
    seen = fb.RecentIds()
    assert seen.first_time("m1") and not seen.first_time("m1") and seen.first_time("m2")
    assert seen.first_time(None) and seen.first_time(None)


def test_recent_ids_forget_after_ttl_and_beyond_max_size():
    now = [0.0]
    seen = fb.RecentIds(max_size=3, ttl=10, clock=lambda: now[0])
    for mid in ("a", "b", "c", "d"):
        assert seen.first_time(mid)
    assert len(seen) == 3 and seen.first_time("a")  # "a" was evicted
    now[0] = 100.0
    assert seen.first_time("d")  # expired


def test_dedupe_key_without_mid():
    [parsed] = fb.parse_webhook(webhook(event(postback={"payload": "/greet"})))
    digest = hashlib.sha256(b"/greet").hexdigest()[:32]  # no citizen's text in the store
    assert parsed.dedupe_key == f"postback:42:1700:{digest}"


# --- thread owners -----------------------------------------------------------------------------

def test_thread_owners():
    threads = fb.ThreadOwners()
    assert not threads.owned_by_other("1")
    threads.give("1", "263902037430900", "test")
    assert threads.owned_by_other("1") and threads.owner("1") == "263902037430900"
    threads.back_to_bot("1", "test")
    assert not threads.owned_by_other("1")


# --- runner ------------------------------------------------------------------------------------

async def test_runner_keeps_order_per_key_and_runs_keys_concurrently():
    runner = fb.SerialRunner(max_concurrent=10)
    log = []

    def job(key, index, delay):
        async def run():
            log.append(("start", key, index))
            await asyncio.sleep(delay)
            log.append(("end", key, index))
        return run

    runner.submit("a", job("a", 1, 0.05))
    runner.submit("a", job("a", 2, 0.0))
    runner.submit("b", job("b", 1, 0.0))
    assert await runner.drain(2)
    a_events = [e for e in log if e[1] == "a"]
    assert a_events == [("start", "a", 1), ("end", "a", 1), ("start", "a", 2), ("end", "a", 2)]
    assert log.index(("end", "b", 1)) < log.index(("end", "a", 1))  # b did not wait for a
    assert runner.pending == 0


async def test_runner_survives_a_failing_job():
    runner = fb.SerialRunner()
    done = []

    async def boom():
        raise RuntimeError("boom")

    async def ok():
        done.append(True)

    runner.submit("a", boom)
    runner.submit("a", ok)
    assert await runner.drain(2)
    assert done == [True]


# --- settings ----------------------------------------------------------------------------------

def test_expand_env(monkeypatch):
    monkeypatch.setenv("FB_TEST_TOKEN", "abc")
    monkeypatch.delenv("FB_TEST_UNSET", raising=False)
    assert fb.expand_env("${FB_TEST_TOKEN}") == "abc"
    assert fb.expand_env("x-${FB_TEST_TOKEN}") == "x-abc"
    assert fb.expand_env("${FB_TEST_UNSET}") is None
    assert fb.expand_env("literal") == "literal"
    assert fb.expand_env("") is None


def test_from_credentials_expands_placeholders_and_reads_optional_settings(monkeypatch):
    for name, value in {"FB_VERIFY_TOKEN": "v", "FB_APP_SECRET": "s",
                        "FB_PAGE_ACCESS_TOKEN": "t", "FB_GRAPH_API_URL": "http://127.0.0.1:9",
                        "FB_GRAPH_API_VERSION": "19.0", "FB_APP_ID": "777"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FB_INBOX_APP_ID", raising=False)
    channel = fb.MessengerInput.from_credentials({
        "verify": "${FB_VERIFY_TOKEN}", "secret": "${FB_APP_SECRET}",
        "page-access-token": "${FB_PAGE_ACCESS_TOKEN}"})
    assert channel.enabled and channel.name() == "facebook"
    assert (channel.fb_verify, channel.fb_secret, channel.fb_access_token) == ("v", "s", "t")
    assert channel.client.url("me/messages") == "http://127.0.0.1:9/v19.0/me/messages"
    assert channel.inbox_app_id == "263902037430900" and channel.app_id == "777"


def test_from_credentials_without_secrets_is_off(monkeypatch, caplog):
    for name in ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    channel = fb.MessengerInput.from_credentials({
        "verify": "${FB_VERIFY_TOKEN}", "secret": "${FB_APP_SECRET}",
        "page-access-token": "${FB_PAGE_ACCESS_TOKEN}"})
    assert not channel.enabled
    assert ("Facebook Messenger: off (set FB_VERIFY_TOKEN, FB_APP_SECRET, FB_PAGE_ACCESS_TOKEN "
            "to turn it on)") in caplog.text


def test_graph_helpers():
    assert normalize_version("25.0") == "v25.0" and normalize_version("v19.0/") == "v19.0"
    assert appsecret_proof("tok", "sec") == hmac.new(b"sec", b"tok", hashlib.sha256).hexdigest()
    assert describe_error(400, {"error": {"message": "(#100) bad", "code": 100,
                                          "error_subcode": 2018001, "fbtrace_id": "Ab"}}, "") == \
        "HTTP 400, code 100, subcode 2018001, fbtrace_id Ab: (#100) bad"
    assert describe_error(502, {}, "<html>Bad gateway</html>") == \
        "HTTP 502: <html>Bad gateway</html>"
