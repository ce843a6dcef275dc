"""A small stand-in for rasa's socket.io channel, for widget tests that need no model.

It speaks the rasa 3.6 protocol (session_request/session_confirm, user_uttered/bot_uttered
with session persistence) on 127.0.0.1, records what the widget sends and answers from a
script, including answers carrying markup, to check the page never renders it.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import socketio
from aiohttp import web

GREETING = {
    "text": "Bonjour ! Je suis l'assistant de test. Que puis-je faire pour vous ?",
    "quick_replies": [
        {"content_type": "text", "title": "Horaires d'un service", "payload": "/ask_hours"},
        {"content_type": "text", "title": "Carte d'identité",
         "payload": '/ask_procedure{"procedure":"carte_identite"}'},
    ],
}
HOURS = {"text": "Le service Population est ouvert du lundi au vendredi de 8h30 à 12h30.\n"
                 "• Plus d'infos : https://www.liege.be/fr/vie-communale"}
PROCEDURE = {"text": "Pour une carte d'identité, prenez rendez-vous sur "
                     "https://eguichet.liege.be ou par e-mail à population@liege.be."}
MARKUP = {
    "text": "<img src=x onerror=\"window.__botXss=1\"> <b>gras</b>"
            " [lien](javascript:window.__botXss=2)"
            " javascript:window.__botXss=3 https://www.liege.be/fr",
    "quick_replies": [{"content_type": "text", "title": "<img src=x onerror=\"window.__botXss=4\">",
                       "payload": "\"><img src=x onerror=\"window.__botXss=5\">"}],
}

# A catalogue answer: its own choice, then the two feedback buttons (connectors/buttons.py).
ANSWER_WITH_FEEDBACK = {
    "text": "Le passeport coûte 75 € pour un adulte.",
    "quick_replies": [
        {"content_type": "text", "title": "Documents à fournir", "payload": "/ask_documents"},
        {"content_type": "text", "title": "👍 Utile", "payload": "/feedback_positive"},
        {"content_type": "text", "title": "👎 Pas utile", "payload": "/feedback_negative"},
    ],
}
FEEDBACK_THANKS = {"text": "Merci pour votre avis !"}

# A turn that changes the conversation's language (issue 16): the custom message, as the
# bot_uttered payload itself, before the answer.
DUTCH = "Waar vraag ik een identiteitskaart aan?"
DUTCH_LANGUAGE = {"language": "nl-BE", "placeholder": "Typ hier uw vraag…"}
DUTCH_ANSWER = {"text": "Een identiteitskaart vraagt u aan bij de dienst Bevolking."}
BACK_TO_FRENCH = "Je préfère continuer en français"
FRENCH_LANGUAGE = {"language": "fr"}
FRENCH_ANSWER = {"text": "Très bien, je continue en français."}
# Language messages the widget must ignore: their tag is not a short language tag.
BAD_LANGUAGE = "langue invalide"
BAD_LANGUAGES = [
    {"language": "nl-BE\" onmouseover=\"window.__botXss=6", "placeholder": "<b>x</b>"},
    {"language": "nederlands-belgie", "placeholder": "Typ hier uw vraag…"},
    {"language": ["nl-BE"], "placeholder": "Typ hier uw vraag…"},
]
BAD_LANGUAGE_ANSWER = {"text": "Rien n'a changé."}


@dataclass
class FakeRasa:
    host: str = "127.0.0.1"
    port: int = 0
    received: List[Dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    confirmations: int = 1  # session_confirm sent this many times per request (reconnections)
    connections: int = 0  # Socket.IO connections accepted (one per page load is expected)

    def __post_init__(self) -> None:
        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        self.app = web.Application()
        self.sio.attach(self.app, socketio_path="/socket.io")
        self.sio.on("connect", self._connect)
        self.sio.on("session_request", self._session_request)
        self.sio.on("user_uttered", self._user_uttered)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _connect(self, sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        self.connections += 1

    async def _session_request(self, sid: str, data: Optional[Dict[str, Any]]) -> None:
        session_id = (data or {}).get("session_id") or uuid.uuid4().hex
        joined = self.sio.enter_room(sid, session_id)
        if inspect.isawaitable(joined):
            await joined
        for _ in range(self.confirmations):
            await self.sio.emit("session_confirm", session_id, room=sid)

    def answers(self, text: str) -> List[Dict[str, Any]]:
        if text == "/greet":
            return [GREETING]
        if "horaire" in text.lower() or text == "/ask_hours":
            return [HOURS]
        if text.startswith("/ask_procedure"):
            return [PROCEDURE]
        if text == "balisage":
            return [MARKUP]
        if text == "prix du passeport":
            return [ANSWER_WITH_FEEDBACK]
        if text.startswith("/feedback_"):
            return [FEEDBACK_THANKS]
        if text == DUTCH:
            return [DUTCH_LANGUAGE, DUTCH_ANSWER]
        if text == BACK_TO_FRENCH:
            return [FRENCH_LANGUAGE, FRENCH_ANSWER]
        if text == BAD_LANGUAGE:
            return [*BAD_LANGUAGES, BAD_LANGUAGE_ANSWER]
        return [{"text": f"Vous avez écrit : {text}"}]

    async def _user_uttered(self, sid: str, data: Dict[str, Any]) -> None:
        self.received.append(dict(data))
        if self.delay:
            await asyncio.sleep(self.delay)
        for answer in self.answers(str(data.get("message", ""))):
            await self.sio.emit("bot_uttered", answer, room=data.get("session_id"))

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._started.set()
        await self._stop.wait()
        for sid in list(self.sio.eio.sockets):
            await self.sio.eio.disconnect(sid)
        await self._runner.cleanup()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def start(self) -> "FakeRasa":
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("fake rasa server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def main() -> None:
    """`python -m tests.browser.fake_rasa --port 5005`: the fake alone, e.g. to try the page."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FakeRasa(port=args.port).start()
    print(f"fake rasa socket.io server on {server.url}", flush=True)
    signal.sigwait([signal.SIGINT, signal.SIGTERM])
    server.stop()


if __name__ == "__main__":
    main()
