"""`make shell`'s console: the ops person always types free text; buttons are numbered choices.

rasa 3.6's console turns the prompt into a selection list after any answer with buttons, so a
typed question selects the first button instead. This console replaces it (installed by
scripts/shell_cli.py in place of `rasa.core.channels.console.record_messages`):
- answers printed as text, their buttons as "1) Horaires"; typing 1 sends that button's payload,
  anything else is sent as typed;
- `/debug` (or SHELL_DEBUG=1) shows, after each answer, the turn's intent and confidence,
  entities, the slots it set and the actions it ran, read from the server's HTTP API;
- `/stop` (or Ctrl-D) quits.
The standard input is read in a thread: the server runs in the same event loop.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, List, Optional

import aiohttp

EXIT = "/stop"
DEBUG = "/debug"
PROMPT = "Vous : "
MAX_INPUT_CHARS = 2_000


def render(messages: List[Dict[str, Any]]) -> List[str]:
    """The assistant's answer as lines; buttons numbered across the answer."""
    lines: List[str] = []
    number = 0
    for message in messages:
        if message.get("text"):
            lines.append(f"Assistant : {message['text']}")
        if message.get("image"):
            lines.append(f"Assistant : [image] {message['image']}")
        for button in message.get("buttons") or []:
            number += 1
            lines.append(f"  {number}) {button.get('title', '')}")
        custom = message.get("custom")
        if isinstance(custom, dict) and set(custom) <= {"language", "placeholder"}:
            lines.append(f"  (langue de la conversation : {custom.get('language')})")
        elif custom:
            lines.append(f"Assistant : [contenu pour le widget] {custom}")
    if number:
        lines.append("  (tapez le numéro d'un choix, ou écrivez librement)")
    return lines or ["Assistant : (pas de réponse)"]


def choice(text: str, messages: List[Dict[str, Any]]) -> str:
    """The payload of button `text` ("2") of the last answer, or the text itself."""
    buttons = [b for m in messages for b in m.get("buttons") or []]
    stripped = text.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return str(buttons[int(stripped) - 1].get("payload") or buttons[int(stripped) - 1]
                   .get("title"))
    return text


def turn_summary(events: List[Dict[str, Any]]) -> List[str]:
    """The last turn of a tracker's events, in a few lines (the debug view)."""
    start = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if start is None:
        return []
    user = events[start]
    parse = user.get("parse_data") or {}
    intent = parse.get("intent") or {}
    entities = ", ".join(f"{e.get('entity')}={e.get('value')}" for e in parse.get("entities")
                         or []) or "aucune"
    turn = events[start + 1:]
    slots = ", ".join(f"{e.get('name')}={e.get('value')}" for e in turn
                      if e.get("event") == "slot") or "aucun"
    actions = " → ".join(
        f"{e.get('name')}" + (f" ({e.get('policy', '').split('_')[-1] or '?'} "
                              f"{e.get('confidence') or 0:.2f})" if e.get("policy") else "")
        for e in turn if e.get("event") == "action")
    return [f"  ┆ intention {intent.get('name')} {intent.get('confidence') or 0:.2f} · "
            f"entités {entities}",
            f"  ┆ slots posés {slots}", f"  ┆ actions {actions or 'aucune'}"]


async def _read_line(loop: asyncio.AbstractEventLoop) -> Optional[str]:
    try:
        return (await loop.run_in_executor(None, input, PROMPT))[:MAX_INPUT_CHARS]
    except (EOFError, KeyboardInterrupt):
        return None


async def record_messages(sender_id: str, server_url: str = "http://localhost:5005",
                          auth_token: str = "", request_timeout: Optional[int] = None,
                          **_: Any) -> int:
    """rasa's `record_messages`, as this module's docstring says; the messages sent."""
    token = auth_token or os.environ.get("SHELL_API_TOKEN", "")
    debug = os.environ.get("SHELL_DEBUG") == "1"
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=request_timeout or 120)
    print(f"Prêt. Écrivez un message (« {DEBUG} » : détail de chaque tour, "
          f"« {EXIT} » : quitter).", flush=True)
    last: List[Dict[str, Any]] = []
    sent = 0
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            text = await _read_line(loop)
            if text is None or text.strip() == EXIT:
                break
            if text.strip() == DEBUG:
                debug = not debug
                print(f"  (détail {'affiché' if debug else 'masqué'})", flush=True)
                continue
            if not text.strip():
                continue
            async with session.post(f"{server_url}/webhooks/rest/webhook",
                                    params={"token": token} if token else None,
                                    json={"sender": sender_id,
                                          "message": choice(text, last)}) as response:
                last = await response.json(content_type=None) or []
            sent += 1
            for line in render(last):
                print(line, flush=True)
            if debug:
                for line in await _debug_lines(session, server_url, token, sender_id):
                    print(line, flush=True)
    return sent


async def _debug_lines(session: aiohttp.ClientSession, server_url: str, token: str,
                       sender_id: str) -> List[str]:
    try:
        async with session.get(f"{server_url}/conversations/{sender_id}/tracker",
                               params={"token": token} if token else None) as response:
            if response.status != 200:
                return [f"  ┆ (détail indisponible : HTTP {response.status})"]
            return turn_summary((await response.json()).get("events") or [])
    except aiohttp.ClientError as error:
        return [f"  ┆ (détail indisponible : {error})"]
