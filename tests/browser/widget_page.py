"""Drives the chat widget in a Playwright page (CSS selectors pierce the shadow roots)."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

LAUNCHER = "#liege-chat .launcher"
PANEL = "#liege-chat .panel"
INPUT = "deep-chat #text-input"
AI_TEXT = "deep-chat .message-bubble.ai-message.text-message"
USER_TEXT = "deep-chat .message-bubble.user-message"
BUTTON = "deep-chat button.liege-chat-button"
MESSAGES = "deep-chat .message-bubble"


class WidgetPage:
    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url

    def goto(self) -> "WidgetPage":
        self.page.goto(self.url)
        self.page.wait_for_selector(LAUNCHER, state="attached")
        return self

    def open(self, expect_messages: int = 1, timeout: float = 20_000) -> "WidgetPage":
        """Opens the widget and waits until it shows at least `expect_messages` bot messages."""
        if not self.page.evaluate("() => window.LiegeChat.isOpen"):
            self.page.click(LAUNCHER)
        self.page.wait_for_selector(INPUT, state="visible", timeout=timeout)
        self.wait_for_ai_count(expect_messages, timeout)
        return self

    def ai_texts(self) -> List[str]:
        return self.page.locator(AI_TEXT).all_inner_texts()

    def user_texts(self) -> List[str]:
        return self.page.locator(USER_TEXT).all_inner_texts()

    def button_titles(self) -> List[str]:
        return self.page.locator(BUTTON).all_inner_texts()

    def message_count(self) -> int:
        return self.page.locator(MESSAGES).count()

    def wait_for_ai_count(self, count: int, timeout: float = 20_000) -> None:
        """Waits until the chat shows at least `count` bot text messages."""
        self.page.wait_for_function(
            "count => {"
            "  const chat = document.querySelector('#liege-chat')?.shadowRoot"
            "    ?.querySelector('deep-chat');"
            "  const root = chat?.shadowRoot;"
            "  return !!root && root.querySelectorAll("
            "    '.message-bubble.ai-message.text-message').length >= count;"
            "}", arg=count, timeout=timeout)

    def settle(self, quiet_ms: int = 400, timeout: float = 10.0) -> None:
        """Waits until no message has been added for `quiet_ms`."""
        deadline = time.monotonic() + timeout
        count, since = self.message_count(), time.monotonic()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
            current = self.message_count()
            if current != count:
                count, since = current, time.monotonic()
            elif (time.monotonic() - since) * 1000 >= quiet_ms:
                return

    def type_message(self, text: str) -> None:
        box = self.page.locator(INPUT)
        box.click()
        box.fill(text)
        box.press("Enter")

    def ask(self, text: str, timeout: float = 20_000) -> List[str]:
        """Sends `text` and returns the texts of the bot messages that answered it."""
        before = len(self.ai_texts())
        self.type_message(text)
        self.wait_for_ai_count(before + 1, timeout)
        self.settle()
        return self.ai_texts()[before:]

    def click_button(self, title: str, timeout: float = 20_000) -> List[str]:
        before = len(self.ai_texts())
        self.page.locator(BUTTON, has_text=title).last.click()
        self.wait_for_ai_count(before + 1, timeout)
        self.settle()
        return self.ai_texts()[before:]

    def restart(self) -> None:
        """« Nouvelle conversation »: waits for the new session and its greeting."""
        first = self.session_id
        self.page.click("#liege-chat .restart")
        self.page.wait_for_function(
            "first => { const id = JSON.parse(localStorage.getItem('liege-chat:state') || '{}')"
            ".sessionId; return id && id !== first; }", arg=first)
        self.wait_for_ai_count(1)
        self.settle()

    def stored_state(self) -> Dict[str, Any]:
        raw: Optional[str] = self.page.evaluate("() => localStorage.getItem('liege-chat:state')")
        return json.loads(raw) if raw else {}

    @property
    def session_id(self) -> Optional[str]:
        return self.stored_state().get("sessionId")
