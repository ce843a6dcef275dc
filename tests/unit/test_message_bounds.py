"""Message bounds: what the NLU may see of a citizen's message, payloads, metadata, ids,
and the channel wrapper that applies them (no server)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from connectors import message_bounds as mb
from connectors.inbound import bounded_handler, bounded_message
from connectors.rest import body_problem

SENTENCE = "Bonjour, je voudrais renouveler ma carte d'identité, comment faire ? "


# --- text -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "merci", "bjr 😀", SENTENCE * 5, "a\nb\tc"])
def test_ordinary_messages_pass_unchanged(text):
    bounded = mb.bound_text(text)
    assert (bounded.text, bounded.cut, bounded.notice) == (text, False, None)


def test_a_long_message_keeps_its_beginning_cut_at_a_word():
    text = SENTENCE * 3000  # ~200,000 characters
    bounded = mb.bound_text(text)
    assert bounded.cut and bounded.original_chars == len(text)
    assert len(bounded.text) <= mb.MAX_MESSAGE_CHARS
    assert text.startswith(bounded.text)
    assert text[len(bounded.text)] == " "  # ends at a word boundary
    assert len(bounded.text) > mb.MAX_MESSAGE_CHARS * (1 - mb.WORD_BOUNDARY_SLACK) - 1


def test_one_huge_word_is_cut_hard():
    bounded = mb.bound_text("a" * 100_000)
    assert bounded.cut and bounded.text == "a" * mb.MAX_MESSAGE_CHARS


def test_a_wall_of_emoji_is_cut_to_the_token_limit():
    bounded = mb.bound_text("😀" * 5000)
    assert bounded.cut
    assert len(bounded.text) == mb.MAX_MESSAGE_TOKENS


def test_punctuation_below_the_char_limit_is_still_cut_by_tokens():
    text = "?! " * 300  # 900 characters, 600 tokens
    bounded = mb.bound_text(text)
    assert len(text) < mb.MAX_MESSAGE_CHARS and bounded.cut
    assert len(mb._TOKEN.findall(bounded.text)) == mb.MAX_MESSAGE_TOKENS


def test_the_notice_is_french_and_says_how_much_was_read():
    bounded = mb.bound_text("mot " * 1000)
    assert bounded.notice.startswith("Votre message est très long")
    kept = f"{len(bounded.text):,}".replace(",", "\u202f")  # "1 999": French thousands
    assert f"environ {kept} caractères" in bounded.notice


def test_control_characters_and_lone_surrogates_are_removed():
    bounded = mb.bound_text("bon\x00jour\x1b[31m \ud800 merci\x7f")
    assert bounded.text == "bon jour [31m \ufffd merci "
    bounded.text.encode("utf-8")  # storable and printable


def test_decomposed_accents_are_composed():
    assert mb.bound_text("e\u0301tat civil").text == "état civil"


def test_cost_does_not_grow_with_the_input():
    huge = "x" * 10_000_000
    started = time.perf_counter()
    mb.bound_text(huge)
    assert time.perf_counter() - started < 0.05


def test_non_strings_are_refused():
    with pytest.raises(TypeError):
        mb.bound_text(["a"])
    assert mb.bound_text(None).text == ""


# --- button payloads ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    '/ask_price{"procedure":"passeport"}', "/greet", "/ask_hours@0.9", "/nlu_fallback",
    '/ask_hours{"service": "recyparc", "moment": ["samedi", "dimanche"]}', "/ pas une commande",
    "bonjour", "/ask_price{pas du json",
])
def test_small_payloads_and_other_texts_are_kept(text):
    assert mb.bound_slash_payload(text) == text


@pytest.mark.parametrize("payload", [
    "{" + '"a":' * 400 + "1" + "}" * 400,  # deep nesting
    json.dumps({f"e{i}": "x" for i in range(500)}),  # thousands of entities
    json.dumps({"procedure": ["passeport"] * 100}),  # thousands of values
    json.dumps({"procedure": {"nested": "object"}}),
    json.dumps({"procedure": "x" * 1000}),
])
def test_oversized_or_odd_payloads_keep_only_the_intent(payload):
    assert mb.bound_slash_payload("/ask_price" + payload) == "/ask_price"


# --- metadata and ids -----------------------------------------------------------------------

def test_metadata_small_objects_pass_and_json_strings_are_decoded():
    meta = {"page": {"url": "https://www.liege.be/fr", "title": "Accueil"}, "section": "x"}
    assert mb.bounded_metadata(meta) == meta
    assert mb.bounded_metadata(json.dumps(meta)) == meta


@pytest.mark.parametrize("meta", [
    {"big": "x" * (mb.MAX_METADATA_BYTES + 1)},
    {"buttons": [{"title": "b", "payload": "/greet"}] * 2000},
    json.loads('{"a":' * 50 + "1" + "}" * 50),
    "[" * 100_000,
    ["not", "an", "object"],
    "pas du json",
    42,
])
def test_metadata_too_large_deep_or_not_an_object_is_refused(meta):
    assert mb.bounded_metadata(meta) is None


@pytest.mark.parametrize("sender,ok", [
    ("moi", True), ("1234567890", True), ("a" * 256, True), ("a" * 257, False), ("", False),
    ("a\nb", False), (42, False), ({"id": 1}, False), (None, False),
])
def test_sender_ids(sender, ok):
    assert mb.valid_sender_id(sender) is ok


@pytest.mark.parametrize("body,problem", [
    ({"sender": "moi", "message": "Bonjour"}, None),
    ({"message": "Bonjour"}, None),
    ({"sender": "moi", "message": "x", "metadata": {"a": 1}}, None),
    ([], "JSON object"), ("text", "JSON object"),
    ({"sender": "moi", "message": 42}, "'message'"),
    ({"sender": "moi", "message": {"text": "x"}}, "'message'"),
    ({"sender": ["x"], "message": "x"}, "'sender'"),
    ({"sender": "moi", "message": "x", "metadata": {"k": "v" * 10_000}}, "'metadata'"),
    ({"sender": "moi", "message": "x", "input_channel": "x" * 100}, "'input_channel'"),
])
def test_rest_bodies(body, problem):
    found = body_problem(body)
    assert (found is None) if problem is None else (problem in found)


# --- the channel wrapper --------------------------------------------------------------------

def test_the_wrapper_sends_the_notice_then_passes_the_cut_message():
    received = []

    async def on_new_message(message):
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "réponse")

    out = CollectingOutputChannel()
    text = SENTENCE * 100
    asyncio.run(bounded_handler(on_new_message)(
        UserMessage(text, out, "citoyen", input_channel="rest", metadata={"page": "x"},
                    message_id="m1")))
    [message] = received
    assert len(message.text) <= mb.MAX_MESSAGE_CHARS and text.startswith(message.text)
    assert (message.sender_id, message.input_channel, message.message_id) == (
        "citoyen", "rest", "m1")
    assert message.metadata["page"] == "x"
    assert message.metadata["message_cut"] == {"original_chars": len(text.strip()),
                                               "kept_chars": len(message.text)}
    assert [m["text"] for m in out.messages][1] == "réponse"
    assert out.messages[0]["text"].startswith("Votre message est très long")


def test_the_wrapper_leaves_ordinary_messages_alone():
    message = UserMessage("Bonjour", CollectingOutputChannel(), "citoyen")
    assert bounded_message(message) == (message, None)


def test_the_wrapper_drops_a_hostile_payload_without_a_notice():
    message = UserMessage('/ask_price{"procedure": ' + "[" * 100 + "]" * 100 + "}",
                          CollectingOutputChannel(), "citoyen")
    bounded, notice = bounded_message(message)
    assert bounded.text == "/ask_price" and notice is None
