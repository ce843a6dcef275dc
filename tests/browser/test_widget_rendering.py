"""The widget against a scripted socket.io server (tests/browser/fake_rasa.py): no model needed.

What only a scripted bot can show: bot messages carrying markup, the exact payloads and
metadata the page sends, session restart and expiry.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.fake_rasa import FakeRasa
from tests.browser.widget_page import BUTTON, WidgetPage

pytestmark = pytest.mark.browser

MESSAGE_MARKUP = "deep-chat .message-bubble img, deep-chat .message-bubble b, " \
                 "deep-chat .message-bubble script, deep-chat .message-bubble strong"


@pytest.fixture
def widget(page, fake_page_server, fake_rasa: FakeRasa) -> WidgetPage:
    fake_rasa.received.clear()
    return WidgetPage(page, fake_page_server).goto()


def sent(fake_rasa: FakeRasa, message: str):
    return [item for item in fake_rasa.received if item.get("message") == message]


def test_french_texts_and_opening_greeting(widget: WidgetPage, fake_rasa: FakeRasa):
    page = widget.page
    assert page.title().startswith("Ville de Liège")
    assert page.locator("#liege-chat .panel").is_hidden()
    widget.open()
    assert page.locator("#liege-chat .title").inner_text() == "Ville de Liège"
    assert page.locator("#liege-chat .subtitle").inner_text().startswith("Assistant en ligne")
    placeholder = page.locator("deep-chat #text-input").get_attribute("deep-chat-placeholder-text")
    assert placeholder == "Posez votre question…"
    assert "assistant de test" in widget.ai_texts()[0]
    assert widget.button_titles() == ["Horaires d'un service", "Carte d'identité"]
    assert [item["message"] for item in fake_rasa.received] == ["/greet"]
    page.problems.assert_clean()


def test_messages_carry_session_and_page_metadata(widget: WidgetPage, fake_rasa: FakeRasa,
                                                  fake_page_server):
    widget.open()
    widget.ask("Quels sont les horaires du service population ?")
    [message] = sent(fake_rasa, "Quels sont les horaires du service population ?")
    assert message["session_id"] == widget.session_id
    metadata = message["metadata"]
    assert metadata["page_url"] == f"{fake_page_server}/"
    assert metadata["page_title"].startswith("Ville de Liège")
    assert metadata["page_language"] == "fr"
    # Set by the embedding page (data-metadata on the script tag).
    assert metadata["section"] == "demarches"


def test_button_sends_its_payload_and_shows_its_title(widget: WidgetPage, fake_rasa: FakeRasa):
    widget.open()
    answer = widget.click_button("Carte d'identité")
    assert widget.user_texts()[-1] == "Carte d'identité"
    assert sent(fake_rasa, '/ask_procedure{"procedure":"carte_identite"}')
    assert "carte d'identité" in answer[0]
    widget.page.problems.assert_clean()


def test_feedback_buttons_are_a_separate_group_usable_once(widget: WidgetPage,
                                                           fake_rasa: FakeRasa):
    page = widget.page
    widget.open()
    widget.ask("prix du passeport")
    groups = page.locator("deep-chat [role=group]").evaluate_all(
        "groups => groups.map(group => [group.className, group.getAttribute('aria-label'),"
        " group.innerText.trim()])")
    # The greeting's group, then the answer's two groups.
    assert [(name, label) for name, label, _ in groups[-2:]] == [
        ("liege-chat-buttons", "Suggestions"), ("liege-chat-feedback", "Votre avis")]
    assert groups[-2][2] == "Documents à fournir"
    assert groups[-1][2].startswith("Cette réponse vous aide ?")
    feedback = page.locator("deep-chat .liege-chat-feedback button")
    assert feedback.all_inner_texts() == ["👍 Utile", "👎 Pas utile"]
    # Lighter than the answer's buttons: smaller text.
    sizes = page.locator("deep-chat .liege-chat-buttons button, deep-chat .liege-chat-feedback "
                         "button").evaluate_all(
        "buttons => buttons.map(b => parseFloat(getComputedStyle(b).fontSize))")
    assert sizes[-1] < sizes[-3]
    assert widget.click_button("👍 Utile") == ["Merci pour votre avis !"]
    assert widget.user_texts()[-1] == "👍 Utile"
    assert [item["message"] for item in sent(fake_rasa, "/feedback_positive")] == [
        "/feedback_positive"]
    # Judged once: both feedback buttons are disabled, the answer's choice still works.
    assert feedback.evaluate_all("buttons => buttons.map(b => b.disabled)") == [True, True]
    feedback.last.click(force=True)
    widget.settle()
    assert not sent(fake_rasa, "/feedback_negative")
    assert page.locator("deep-chat .liege-chat-buttons button", has_text="Documents") \
        .last.is_enabled()
    page.problems.assert_clean()


def test_links_open_in_a_new_tab_and_emails_are_mailto(widget: WidgetPage):
    widget.open()
    widget.click_button("Carte d'identité")
    link = widget.page.locator("deep-chat a[href='https://eguichet.liege.be']")
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    mail = widget.page.locator("deep-chat a[href='mailto:population@liege.be']")
    assert mail.inner_text() == "population@liege.be"
    # Newlines and bullets of the bot's text are kept.
    widget.ask("horaires")
    assert "\n• Plus d'infos" in widget.ai_texts()[-1]


def test_markup_from_the_bot_is_shown_as_text(widget: WidgetPage):
    page = widget.page
    widget.open()
    [answer] = widget.ask("balisage")
    assert answer.startswith('<img src=x onerror="window.__botXss=1"> <b>gras</b>')
    assert "[lien](javascript:window.__botXss=2)" in answer
    assert page.locator(MESSAGE_MARKUP).count() == 0
    hrefs = page.locator("deep-chat .message-bubble a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    assert hrefs and all(re.match(r"^(https?://|mailto:)", href) for href in hrefs), hrefs
    button = page.locator(BUTTON).last
    assert button.inner_text() == '<img src=x onerror="window.__botXss=4">'
    button.click()  # its payload is markup too: sent as text, never rendered
    widget.settle()
    assert page.locator(MESSAGE_MARKUP).count() == 0
    assert page.evaluate("() => window.__botXss") is None
    page.problems.assert_clean()


def test_markup_typed_by_the_user_is_shown_as_text(widget: WidgetPage, fake_rasa: FakeRasa):
    page = widget.page
    widget.open()
    typed = ("<img src=x onerror=alert(1)> [clic](javascript:alert(2)) **gras** "
             "<script>alert(3)</script>")
    [echo] = widget.ask(typed)
    assert widget.user_texts()[-1] == typed
    assert echo == f"Vous avez écrit : {typed}"
    assert sent(fake_rasa, typed)
    assert page.locator(MESSAGE_MARKUP).count() == 0
    assert page.locator("deep-chat .message-bubble a").count() == 0
    page.problems.assert_clean()


def test_reload_keeps_the_conversation_and_the_session(widget: WidgetPage, fake_rasa: FakeRasa):
    widget.open()
    widget.ask("Quels sont les horaires du service population ?")
    widget.click_button("Carte d'identité")
    session_id, shown, typed = widget.session_id, widget.ai_texts(), widget.user_texts()
    assert typed == ["Quels sont les horaires du service population ?", "Carte d'identité"]
    widget.page.reload()
    widget.open(expect_messages=len(shown))
    widget.settle()  # the restored history renders in steps; read it once it is still
    assert widget.ai_texts() == shown
    assert widget.user_texts() == typed
    assert widget.button_titles() == ["Horaires d'un service", "Carte d'identité"]
    assert widget.session_id == session_id
    assert "8h30" in widget.click_button("Horaires d'un service")[0]  # restored buttons work
    widget.ask("merci")
    assert sent(fake_rasa, "merci")[0]["session_id"] == session_id
    assert len(sent(fake_rasa, "/greet")) == 1  # no second greeting after the reload


def test_a_session_confirmed_twice_is_greeted_once(widget: WidgetPage, fake_rasa: FakeRasa):
    """A reconnection confirming the session again before the greeting is shown (seen on a
    loaded machine) must not send a second greeting."""
    fake_rasa.delay, fake_rasa.confirmations = 0.5, 2
    try:
        widget.open()
        widget.settle(quiet_ms=800)
        assert len(sent(fake_rasa, "/greet")) == 1
        assert widget.button_titles() == ["Horaires d'un service", "Carte d'identité"]
    finally:
        fake_rasa.delay, fake_rasa.confirmations = 0.0, 1


def test_restart_starts_a_new_conversation(widget: WidgetPage, fake_rasa: FakeRasa):
    widget.open()
    widget.ask("bonjour")
    widget.restart()
    assert len(widget.ai_texts()) == 1 and "assistant de test" in widget.ai_texts()[0]
    assert widget.user_texts() == []
    assert len(sent(fake_rasa, "/greet")) == 2


def test_idle_conversation_is_forgotten(widget: WidgetPage):
    widget.open()
    widget.ask("bonjour")
    old = widget.session_id
    # Two hours without activity (the TTL is 60 minutes).
    widget.page.evaluate("""() => {
        const state = JSON.parse(localStorage.getItem('liege-chat:state'));
        state.lastActivity = Date.now() - 2 * 3600 * 1000;
        localStorage.setItem('liege-chat:state', JSON.stringify(state));
    }""")
    widget.page.reload()
    widget.open()
    widget.settle()
    assert widget.user_texts() == []
    assert widget.session_id and widget.session_id != old


def test_launcher_loads_only_the_small_script_until_opened(page, fake_page_server):
    scripts = []
    page.on("request", lambda request: request.resource_type == "script"
            and scripts.append(request.url))
    WidgetPage(page, fake_page_server).goto()
    page.wait_for_load_state("networkidle")
    assert not any("/chunks/chat-" in url for url in scripts), scripts
    page.click("#liege-chat .launcher")
    page.wait_for_selector("deep-chat #text-input")
    assert any("/chunks/chat-" in url for url in scripts), scripts


def test_config_script_points_at_the_rasa_server(page, fake_page_server, fake_rasa: FakeRasa):
    page.goto(fake_page_server)
    config = page.evaluate("() => window.LiegeChat.config")
    assert config["socketUrl"] == fake_rasa.url
    assert json.dumps(config["metadata"], ensure_ascii=False) == \
        '{"site": "liege.be (démo)", "section": "demarches"}'


def test_server_down_shows_a_french_message(page, tmp_path, widget_dist):
    from tests.browser.conftest import serve_page
    from tests.support.servers import free_port

    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for url in serve_page(tmp_path, nobody, widget_dist):
        widget = WidgetPage(page, url).goto()
        page.click("#liege-chat .launcher")
        error = page.locator("deep-chat .error-message-text")
        error.wait_for(timeout=15_000)
        assert error.inner_text().startswith("Connexion au service impossible")
        assert widget.ai_texts() == []


def test_chat_that_cannot_load_says_so(page, fake_page_server):
    page.route("**/chunks/chat-*.js", lambda route: route.abort())
    WidgetPage(page, fake_page_server).goto()
    page.click("#liege-chat .launcher")
    message = page.locator("#liege-chat .load-error")
    message.wait_for(timeout=10_000)
    assert message.inner_text().startswith("La discussion n'a pas pu être chargée")
    assert page.problems.errors == []  # reported, not an uncaught error
