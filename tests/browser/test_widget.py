"""The chat widget in headless Chromium against the real servers (rasa + actions, trained model).

The page is web/dist served by web/serve.py; it talks to the session's rasa server over
socket.io. The action server runs on the frozen clock of tests/conftest.py (TEST_NOW).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.widget_page import BUTTON, WidgetPage
from tests.support import servers

pytestmark = pytest.mark.browser

TOPICS = ["Horaires services", "Carte d'identité", "Déménagement", "Parler à un agent"]
HOURS = re.compile(r"\b\d{1,2}h(\d{2})?\b")
MARKUP = "<img src=x onerror=alert(1)>"


@pytest.fixture
def widget(page, page_server) -> WidgetPage:
    return WidgetPage(page, page_server).goto()


def user_events(server_url: str, sender: str):
    return [event for event in servers.tracker(server_url, sender)["events"]
            if event["event"] == "user"]


def test_opening_message_offers_the_main_topics(widget: WidgetPage, artifacts_dir):
    page = widget.page
    assert page.title().startswith("Ville de Liège")
    widget.open()
    widget.settle()
    assert page.locator("#liege-chat .title").inner_text() == "Ville de Liège"
    assert page.locator("deep-chat #text-input").get_attribute(
        "deep-chat-placeholder-text") == "Posez votre question…"
    assert "assistant automatique de la Ville de Liège" in widget.ai_texts()[0]
    assert widget.button_titles() == TOPICS
    page.screenshot(path=str(artifacts_dir / "widget-opening.png"))
    page.problems.assert_clean()


def test_question_about_hours_gets_hours(widget: WidgetPage, artifacts_dir):
    widget.open()
    answer = widget.ask("Quels sont les horaires du service population ?")
    text = "\n".join(answer)
    assert HOURS.search(text), text
    widget.page.locator("#liege-chat .panel").screenshot(path=str(artifacts_dir / "widget.png"))
    widget.page.problems.assert_clean()


def test_clicking_a_button_sends_its_payload(widget: WidgetPage, rasa_server):
    widget.open()
    widget.settle()
    answer = widget.click_button("Carte d'identité")
    assert widget.user_texts()[-1] == "Carte d'identité"
    assert answer and "carte d'identité" in "\n".join(answer).lower()
    [greet, click] = user_events(rasa_server.url, widget.session_id)
    assert greet["parse_data"]["intent"]["name"] == "greet"
    assert click["parse_data"]["intent"]["name"] == "ask_procedure"
    assert {"entity": "procedure", "value": "carte_identite"}.items() <= \
        click["parse_data"]["entities"][0].items()
    widget.page.problems.assert_clean()


def test_reload_keeps_the_conversation(widget: WidgetPage, rasa_server, page_server):
    widget.open()
    widget.ask("Quels sont les horaires du service population ?")
    shown, session_id = widget.ai_texts(), widget.session_id
    widget.page.reload()
    widget.open(expect_messages=len(shown))
    assert widget.ai_texts() == shown
    assert widget.user_texts()[-1] == "Quels sont les horaires du service population ?"
    # The conversation goes on in the same rasa conversation, with the page's metadata.
    widget.ask("Et le samedi ?")
    events = user_events(rasa_server.url, session_id)
    assert [event["text"] for event in events][-2:] == [
        "Quels sont les horaires du service population ?", "Et le samedi ?"]
    metadata = events[-1]["metadata"]
    assert metadata["page_url"] == f"{page_server}/"
    assert metadata["page_title"].startswith("Ville de Liège")
    assert metadata["section"] == "demarches"
    widget.page.problems.assert_clean()


def test_markup_is_shown_as_text_and_never_run(widget: WidgetPage, rasa_server):
    page = widget.page
    widget.open()
    widget.ask(MARKUP)
    assert widget.user_texts()[-1] == MARKUP
    assert page.locator("deep-chat .message-bubble img").count() == 0
    assert page.locator("deep-chat .message-bubble script").count() == 0
    assert user_events(rasa_server.url, widget.session_id)[-1]["text"] == MARKUP
    page.problems.assert_clean()  # no alert dialog, no error, no CSP violation


def test_links_in_answers_open_in_a_new_tab(widget: WidgetPage):
    widget.open()
    widget.ask("/report_problem")  # utter_report_problem links to https://www.liege.be
    links = widget.page.locator("deep-chat .message-bubble a[href^='https://www.liege.be']")
    assert links.count() >= 1
    assert links.first.get_attribute("target") == "_blank"
    assert set(links.first.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    assert widget.page.locator(BUTTON, has_text="Contacter la Ville").count() == 1


def test_pages_of_other_sites_cannot_connect(page, rasa_server, servers_dir, widget_dist):
    """Only the configured origins may talk to the socket.io channel (docs/widget.md, Origins)."""
    from tests.browser.conftest import serve_page

    credentials = next(servers_dir.glob(f"credentials-{rasa_server.port}.yml")).read_text()
    assert "allowed_origins" in credentials, "the socket.io channel must limit its origins"
    for url in serve_page(servers_dir, rasa_server.url, widget_dist):  # another port: origin
        WidgetPage(page, url).goto()
        page.click("#liege-chat .launcher")
        error = page.locator("deep-chat .error-message-text")
        error.wait_for(timeout=15_000)
        assert page.locator("deep-chat .message-bubble.ai-message.text-message").count() == 0
