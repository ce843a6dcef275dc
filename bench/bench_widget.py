"""Prints the chat widget's answer time: from sending a question to the answer shown in the page.

Headless Chromium (Debian's, driven by Playwright) opens the widget page and asks ~30
questions one at a time. In the page, the clock starts at the Enter keydown that sends the
question and stops at the first frame after the bot's first message bubble is added, so it
covers the widget, socket.io, the rasa server (NLU, policies), the action server and rendering.

By default the script starts its own action server, rasa server (models/liege.tar.gz) and page
server on free ports of 127.0.0.1, like the tests. With --page-url it measures a running stack
instead (e.g. `make run`: --page-url http://localhost:8080).

Target: p95 <= 500 ms on this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import chromium  # noqa: E402
from tests.support import servers  # noqa: E402

TARGET_P95_MS = 500.0

QUESTIONS = [
    "Quels sont les horaires du service population ?",
    "Comment renouveler ma carte d'identité ?",
    "Combien coûte un passeport ?",
    "Je déménage, que dois-je faire ?",
    "Le service population est-il ouvert samedi ?",
    "Quel est le numéro de téléphone de l'état civil ?",
    "Où se trouve l'hôtel de ville ?",
    "Quels documents pour un passeport ?",
    "Combien de temps pour recevoir ma carte d'identité ?",
    "Faut-il prendre rendez-vous pour un passeport ?",
    "Peut-on faire le changement d'adresse en ligne ?",
    "Bonjour",
    "Merci beaucoup",
    "Quelle est l'adresse e-mail du service population ?",
    "À quelle heure ferme l'état civil ?",
    "Est-ce que la population est ouverte demain matin ?",
    "Je voudrais un extrait d'acte de naissance",
    "Combien coûte la carte d'identité ?",
    "Horaires de l'hôtel de ville",
    "Comment obtenir un acte de mariage ?",
    "Je veux parler à quelqu'un",
    "Que sais-tu faire ?",
    "Quels sont les délais pour un passeport ?",
    "J'ai perdu ma carte d'identité",
    "Le service population est-il ouvert lundi après-midi ?",
    "Où déclarer une naissance ?",
    "Téléphone de l'hôtel de ville",
    "Es-tu un robot ?",
    "Quels documents pour un changement d'adresse ?",
    "Au revoir",
]

# Runs in the page: times Enter keydown -> first frame showing a new bot message.
PROBE = """() => {
  if (window.__bench) return;
  const bench = window.__bench = {start: null, results: []};
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) bench.start = performance.now();
  }, true);
  const chat = document.querySelector('#liege-chat').shadowRoot.querySelector('deep-chat');
  const messages = chat.shadowRoot.querySelector('#messages');
  new MutationObserver((records) => {
    if (bench.start === null) return;
    const added = records.some((record) => [...record.addedNodes].some((node) =>
      node.nodeType === 1 && (node.matches('.ai-message') || node.querySelector('.ai-message'))));
    if (!added) return;
    const start = bench.start;
    bench.start = null;
    requestAnimationFrame(() => bench.results.push(performance.now() - start));
  }).observe(messages, {childList: true, subtree: true});
}"""


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@contextlib.contextmanager
def own_stack(model: Path) -> Iterator[str]:
    """Action server, rasa server and page server on free ports; yields the page URL."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-widget-"))
    with servers.action_server(workdir) as actions, \
            servers.rasa_server(workdir, actions.url, model=model) as rasa:
        port = servers.free_port()
        cmd = [sys.executable, str(ROOT / "web" / "serve.py"), "--port", str(port), "--quiet",
               "--rasa-url", rasa.url]
        with servers._process(cmd, servers.base_env(), workdir / "web.log",
                              f"http://127.0.0.1:{port}/", timeout=20):
            yield f"http://127.0.0.1:{port}"


def measure(page_url: str, questions: List[str], warmup: int, pause_ms: int) -> List[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        page = browser.new_page()
        page.goto(page_url)
        page.click("#liege-chat .launcher")
        page.wait_for_selector("deep-chat .message-bubble.ai-message", timeout=60_000)
        page.wait_for_timeout(500)
        page.evaluate(PROBE)
        box = page.locator("deep-chat #text-input")
        timings: List[float] = []
        for index, question in enumerate(questions):
            box.click()
            box.fill(question)
            count = page.evaluate("() => window.__bench.results.length")
            box.press("Enter")
            page.wait_for_function("n => window.__bench.results.length > n", arg=count,
                                   timeout=30_000)
            elapsed = page.evaluate("() => window.__bench.results.at(-1)")
            if index >= warmup:
                timings.append(elapsed)
            page.wait_for_timeout(pause_ms)  # let the other messages of the answer arrive
        browser.close()
    return timings


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-url", help="measure a running widget page instead")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "liege.tar.gz")
    parser.add_argument("--rounds", type=int, default=1, help="times through the questions")
    parser.add_argument("--warmup", type=int, default=3, help="first answers not counted")
    parser.add_argument("--pause-ms", type=int, default=300)
    args = parser.parse_args(argv)

    questions = QUESTIONS[:args.warmup] + QUESTIONS * args.rounds
    with contextlib.ExitStack() as stack:
        page_url = args.page_url or stack.enter_context(own_stack(args.model))
        timings = measure(page_url, questions, args.warmup, args.pause_ms)

    p50, p95 = percentile(timings, 0.50), percentile(timings, 0.95)
    verdict = "met" if p95 <= TARGET_P95_MS else "NOT met"
    print(f"Widget answer time (send -> answer shown, headless Chromium, {len(timings)} "
          f"questions): p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms, "
          f"mean {statistics.mean(timings):.0f} ms; target p95 <= {TARGET_P95_MS:.0f} ms: "
          f"{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
