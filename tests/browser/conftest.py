"""Browser fixtures: headless Chromium (Debian's) driven by Playwright, and the widget's page.

- `browser`: one Chromium for the session (Playwright cannot download browsers here: it drives
  /usr/bin/chromium, or $CHROMIUM_PATH).
- `widget_dist`: the built widget (web/dist), built with npm when missing.
- `page_server`: web/serve.py serving the page, pointed at the session's real rasa server.
- `fake_rasa` / `fake_page_server`: a scripted socket.io server standing in for rasa, for the
  rendering tests that need no model.
- `page`: a fresh browser context (empty localStorage) per test; it fails the test if the page
  raises, opens a dialog (alert…) or reports a Content-Security-Policy violation.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from tests.browser import chromium
from tests.browser.fake_rasa import FakeRasa
from tests.support import servers

WEB_DIR = servers.PROJECT_ROOT / "web"
DIST = WEB_DIR / "dist"
ARTIFACTS = servers.PROJECT_ROOT / "tests" / "artifacts"


def build_widget() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(f"{DIST} is missing and npm is not installed: run `make install`")
    if not (WEB_DIR / "node_modules").exists():
        subprocess.run([npm, "ci", "--prefix", str(WEB_DIR), "--no-audit", "--no-fund"],
                       check=True)
    subprocess.run([npm, "run", "build", "--prefix", str(WEB_DIR)], check=True)


def dist_is_incomplete() -> bool:
    """No launcher, or a file of web/public (a page added since the last build) not copied."""
    public = WEB_DIR / "public"
    return not (DIST / "liege-chat.js").exists() or any(
        not (DIST / path.relative_to(public)).exists()
        for path in public.rglob("*") if path.is_file())


@pytest.fixture(scope="session")
def widget_dist() -> Path:
    if dist_is_incomplete():
        build_widget()
    return DIST


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    if not Path(chromium.CHROMIUM).exists():
        pytest.fail(f"{chromium.CHROMIUM} not found: `make test-deps` installs Debian's "
                    "chromium (or set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = chromium.launch(playwright)
        yield instance
        instance.close()


def serve_page(workdir: Path, socket_url: str, dist: Path,
               port: Optional[int] = None) -> Iterator[str]:
    port = port or servers.free_port()
    log = workdir / f"web-{port}.log"
    cmd = [sys.executable, str(WEB_DIR / "serve.py"), "--port", str(port), "--bind", "127.0.0.1",
           "--rasa-url", socket_url, "--dir", str(dist)]
    with servers._process(cmd, servers.base_env(), log, f"http://127.0.0.1:{port}/",
                          timeout=20):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def page_server(request, servers_dir, rasa_server, widget_dist) -> Iterator[str]:
    """The demo page, talking to the session's real rasa server.

    If tests/conftest.py provides a `web_port` fixture (the port whose origin the test rasa
    server allows), the page is served there; otherwise on any free port.
    """
    try:
        port = request.getfixturevalue("web_port")
    except pytest.FixtureLookupError:
        port = None
    yield from serve_page(servers_dir, rasa_server.url, widget_dist, port)


@pytest.fixture(scope="session")
def fake_rasa() -> Iterator[FakeRasa]:
    server = FakeRasa().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_page_server(tmp_path_factory, fake_rasa, widget_dist) -> Iterator[str]:
    """The demo page, talking to the scripted fake rasa server."""
    yield from serve_page(tmp_path_factory.mktemp("fake-web"), fake_rasa.url, widget_dist)


class PageProblems:
    """What went wrong in the page: uncaught errors, dialogs, CSP violations."""

    def __init__(self) -> None:
        self.errors: List[str] = []
        self.dialogs: List[str] = []
        self.console: List[str] = []

    def assert_clean(self) -> None:
        assert not self.dialogs, f"the page opened dialogs (script ran?): {self.dialogs}"
        assert not self.errors, f"uncaught errors in the page: {self.errors}"
        errors = [line for line in self.console if line.startswith("error:")
                  or "Content Security Policy" in line]
        assert not errors, f"errors in the browser console (CSP violations…): {errors}"


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="fr-BE", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda error: problems.errors.append(str(error)))
    page.on("console", lambda message: problems.console.append(f"{message.type}: {message.text}"))

    def on_dialog(dialog) -> None:
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.problems = problems
    yield page
    try:
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name[:60]}.png"))
    finally:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)

