"""Headless Chromium for the widget tests and benchmark: Debian's build, driven by Playwright.

Playwright cannot download its own browsers here; it drives /usr/bin/chromium (Debian package
`chromium`, installed by `make test-deps`), or $CHROMIUM_PATH.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
