"""The « Vie privée » link of the widget's notice and the privacy page it opens (issue 15).

Against the scripted socket.io server (tests/browser/fake_rasa.py): no model needed. The page
is web/public/privacy.html, copied to web/dist by the build and served by web/serve.py.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import WEB_DIR
from tests.browser.widget_page import WidgetPage

pytestmark = pytest.mark.browser

NOTICE = "#liege-chat .notice"
PRIVACY_LINK = "#liege-chat .notice a"
# What the page must answer, in the words a citizen looks for.
HEADINGS = ("responsable", "durée", "droits")


def configure(page, **settings) -> None:
    """window.LiegeChatConfig before the page's own config.js (which keeps other keys)."""
    page.add_init_script(f"window.LiegeChatConfig = {json.dumps(settings)};")


def headings(page) -> list:
    return [text.lower() for text in page.locator("h1, h2").all_inner_texts()]


def assert_privacy_page(page) -> None:
    assert page.title().startswith("Vie privée")
    texts = headings(page)
    for word in HEADINGS:
        assert any(word in text for text in texts), (word, texts)
    assert "Dernière mise à jour" in page.locator("main").inner_text()


def test_privacy_notice_links_to_the_privacy_page(page, fake_page_server):
    widget = WidgetPage(page, fake_page_server).goto().open()
    notice = page.locator(NOTICE)
    assert notice.inner_text().startswith("Réponses automatiques.")
    link = page.locator(PRIVACY_LINK)
    assert link.inner_text() == "Vie\u00a0privée"  # never split over two lines
    # Default: privacy.html beside liege-chat.js, here the demo page's own server.
    assert link.get_attribute("href") == f"{fake_page_server}/privacy.html"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel").split()
    assert link.get_attribute("aria-label") == "Vie privée (nouvel onglet)"

    with page.context.expect_page() as opened:
        link.click()
    privacy = opened.value
    privacy.wait_for_load_state()
    assert privacy.url == f"{fake_page_server}/privacy.html"
    assert_privacy_page(privacy)
    # A new tab: the conversation stays open on the first page.
    assert widget.page.evaluate("() => window.LiegeChat.isOpen")
    # Loaded again, watched from the start: nothing from another site, no CSP violation.
    foreign, console = [], []
    privacy.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    privacy.on("request", lambda request: urlsplit(request.url).netloc
               != urlsplit(fake_page_server).netloc and foreign.append(request.url))
    privacy.reload()
    privacy.wait_for_load_state("networkidle")
    assert foreign == [], "the privacy page loads nothing from another site"
    assert not [line for line in console if line.startswith("error:")], console
    page.problems.assert_clean()


def test_privacy_page_is_served_by_serve_py_and_built_into_dist(page, fake_page_server,
                                                                widget_dist):
    response = page.request.get(f"{fake_page_server}/privacy.html")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # The built copy is the public one.
    source = (WEB_DIR / "public" / "privacy.html").read_text(encoding="utf-8")
    assert (widget_dist / "privacy.html").read_text(encoding="utf-8") == source
    assert response.text() == source
    page.goto(f"{fake_page_server}/privacy.html")
    assert_privacy_page(page)
    # The facts the page must carry (docs/privacy.md gives their sources).
    text = page.locator("main").inner_text().replace("\u00a0", " ")
    for fact in ("Place du Marché 2, 4000 Liège", "BE0207343933", "90 jours",
                 "Autorité de protection des données", "rue de la Presse 35",
                 "+32 2 274 48 00", "supprimez mes données", "[numéro national]"):
        assert fact in text, fact
    page.problems.assert_clean()


def test_privacy_url_is_configurable(page, fake_page_server):
    configure(page, privacyUrl="https://www.liege.be/fr/vie-privee")
    WidgetPage(page, fake_page_server).goto()
    link = page.locator(PRIVACY_LINK)
    assert link.get_attribute("href") == "https://www.liege.be/fr/vie-privee"
    # A relative address is relative to the page.
    configure(page, privacyUrl="/pages/vie-privee.html")
    page.reload()
    page.wait_for_selector(PRIVACY_LINK, state="attached")
    assert page.locator(PRIVACY_LINK).get_attribute("href") == \
        f"{fake_page_server}/pages/vie-privee.html"
    page.problems.assert_clean()


@pytest.mark.parametrize("setting", ["", "javascript:alert(1)"])
def test_empty_or_unsafe_privacy_url_hides_the_link(page, fake_page_server, setting):
    configure(page, privacyUrl=setting)
    WidgetPage(page, fake_page_server).goto()
    notice = page.locator(NOTICE)
    assert notice.text_content().startswith("Réponses automatiques.")
    assert page.locator(PRIVACY_LINK).count() == 0
    page.problems.assert_clean()


def test_empty_data_attribute_hides_the_link(page, fake_page_server):
    def without_privacy_link(route):
        response = route.fetch()
        body = response.text().replace("data-liege-chat", 'data-liege-chat data-privacy-url=""', 1)
        route.fulfill(response=response, body=body)

    page.route(f"{fake_page_server}/", without_privacy_link)
    WidgetPage(page, fake_page_server).goto()
    assert page.locator(PRIVACY_LINK).count() == 0
    page.problems.assert_clean()


def test_widget_talks_only_to_the_page_server_and_rasa(page, fake_page_server, fake_rasa):
    """docs/privacy.md: nothing leaves for a third party (deep-chat ships clients for many AI
    services; the widget uses none of them), and no cookie is set."""
    ours = {urlsplit(fake_page_server).netloc, urlsplit(fake_rasa.url).netloc}
    foreign = []
    page.on("request", lambda request: urlsplit(request.url).netloc not in ours
            and foreign.append(request.url))
    widget = WidgetPage(page, fake_page_server).goto().open()
    widget.ask("horaires")
    page.wait_for_load_state("networkidle")
    assert foreign == []
    assert page.context.cookies() == []
    assert page.evaluate("() => document.cookie") == ""
    assert sorted(page.evaluate("() => Object.keys(localStorage)")) == [
        "liege-chat:history", "liege-chat:state"]
    assert page.evaluate("() => Object.keys(sessionStorage)") == ["liege-chat:open"]
    page.problems.assert_clean()
