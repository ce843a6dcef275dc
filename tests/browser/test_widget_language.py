"""The conversation's language in the widget (issue 16), against the scripted fake rasa server.

Before the answer of a turn that changes the language, the server sends the custom message
{"language": "nl-BE", "placeholder": "Typ hier uw vraag…"} ({"language": "fr"} back to French)
as the bot_uttered payload. The conversation takes that `lang`, the input that placeholder,
without a bubble, without redrawing the chat or opening a second connection; the language is
kept with the conversation across reloads and forgotten with it (« Nouvelle conversation »).
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from tests.browser import fake_rasa as script
from tests.browser.fake_rasa import FakeRasa
from tests.browser.widget_page import INPUT, WidgetPage

pytestmark = pytest.mark.browser

FRENCH = {"panel": "fr", "conversation": "fr", "chat": "fr",
          "placeholder": "Posez votre question…", "label": "Posez votre question…",
          "shown": '"Posez votre question…"'}
DUTCH = {"panel": "fr", "conversation": "nl-BE", "chat": "nl-BE",
         "placeholder": "Typ hier uw vraag…", "label": "Typ hier uw vraag…",
         "shown": '"Typ hier uw vraag…"'}


@pytest.fixture
def widget(page, fake_page_server, fake_rasa: FakeRasa) -> WidgetPage:
    fake_rasa.received.clear()
    fake_rasa.connections = 0
    return WidgetPage(page, fake_page_server).goto()


def language(widget: WidgetPage) -> Dict[str, Any]:
    """The panel's, the conversation's and deep-chat's lang; the input's placeholder, its
    accessible name and what the empty input shows (deep-chat draws the placeholder in a
    ::before, as text)."""
    return widget.page.evaluate("""() => {
        const root = document.querySelector('#liege-chat').shadowRoot;
        const chat = root.querySelector('deep-chat');
        const input = chat.shadowRoot.querySelector('#text-input');
        return {
          panel: root.querySelector('.panel').getAttribute('lang'),
          conversation: root.querySelector('.body').getAttribute('lang'),
          chat: chat.getAttribute('lang'),
          placeholder: input.getAttribute('deep-chat-placeholder-text'),
          label: input.getAttribute('aria-label'),
          shown: input.textContent === '' ? getComputedStyle(input, '::before').content : null,
        };
    }""")


def mark_input(widget: WidgetPage) -> None:
    """Tags deep-chat's input element: still tagged later means the chat was not re-rendered."""
    widget.page.locator(INPUT).evaluate("input => { input.__languageProbe = true; }")


def input_is_marked(widget: WidgetPage) -> bool:
    return widget.page.locator(INPUT).evaluate("input => input.__languageProbe === true")


def test_the_conversation_follows_the_language_the_server_announces(widget: WidgetPage,
                                                                    fake_rasa: FakeRasa):
    page = widget.page
    widget.open()
    widget.settle()
    assert language(widget) == FRENCH
    greeting, buttons = widget.ai_texts(), widget.button_titles()
    mark_input(widget)

    answer = widget.ask(script.DUTCH)

    # The language message is no bubble: the answer is the only new one.
    assert answer == [script.DUTCH_ANSWER["text"]]
    assert language(widget) == DUTCH
    # Nothing shown was lost or redrawn, and the chat kept its input (focus included).
    assert widget.ai_texts() == greeting + answer
    assert widget.user_texts() == [script.DUTCH]
    assert widget.button_titles() == buttons
    assert input_is_marked(widget)
    assert page.locator(INPUT).evaluate("input => input.getRootNode().activeElement === input")
    # One connection, still the same session: the next message goes through it.
    assert fake_rasa.connections == 1
    assert widget.ask("merci") == ["Vous avez écrit : merci"]
    assert len({item["session_id"] for item in fake_rasa.received}) == 1
    assert fake_rasa.connections == 1
    assert widget.stored_state()["language"] == script.DUTCH_LANGUAGE

    # A reload within the session: the same conversation, in the same language.
    shown, typed, session_id = widget.ai_texts(), widget.user_texts(), widget.session_id
    fake_rasa.connections = 0
    page.reload()
    widget.open(expect_messages=len(shown))
    widget.settle()
    assert language(widget) == DUTCH
    assert widget.ai_texts() == shown and widget.user_texts() == typed
    assert widget.session_id == session_id
    assert fake_rasa.connections == 1

    # « Nouvelle conversation »: French again, and it stays so after a reload.
    widget.restart()
    assert language(widget) == FRENCH
    assert "language" not in widget.stored_state()
    page.reload()
    widget.open()
    widget.settle()
    assert language(widget) == FRENCH
    page.problems.assert_clean()


def test_back_to_french_restores_the_configured_placeholder(widget: WidgetPage,
                                                           fake_rasa: FakeRasa):
    page = widget.page
    widget.open()
    widget.ask(script.DUTCH)
    assert language(widget) == DUTCH
    mark_input(widget)

    assert widget.ask(script.BACK_TO_FRENCH) == [script.FRENCH_ANSWER["text"]]
    assert language(widget) == FRENCH
    assert input_is_marked(widget)
    assert widget.user_texts() == [script.DUTCH, script.BACK_TO_FRENCH]
    page.reload()
    widget.open(expect_messages=3)
    widget.settle()
    assert language(widget) == FRENCH
    assert fake_rasa.connections == 2  # one per page load
    page.problems.assert_clean()


def test_unusable_language_messages_are_ignored(widget: WidgetPage):
    page = widget.page
    widget.open()
    widget.ask(script.DUTCH)
    assert widget.ask(script.BAD_LANGUAGE) == [script.BAD_LANGUAGE_ANSWER["text"]]
    assert language(widget) == DUTCH
    assert widget.stored_state()["language"] == script.DUTCH_LANGUAGE
    assert page.evaluate("() => window.__botXss") is None
    page.problems.assert_clean()
