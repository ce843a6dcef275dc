"""Set up the city's Facebook Page for the assistant: Get Started button, greeting text and
persistent menu, in French, through the Messenger Profile API.

    make messenger-setup                      # = python -m connectors.messenger_setup
    python -m connectors.messenger_setup --dry-run   # print the profile, send nothing
    python -m connectors.messenger_setup --delete    # remove the three settings

Calls ``POST ${FB_GRAPH_API_URL}/<version>/me/messenger_profile`` with the page access token
(``FB_PAGE_ACCESS_TOKEN``; ``FB_APP_SECRET`` adds ``appsecret_proof``; ``FB_GRAPH_API_VERSION``
picks the version). The payloads of the buttons are the bot's intents, so a tap works like
the same button in a conversation.

Exit status: 0 done, 1 the Graph API refused or did not answer, 2 configuration missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence

from connectors.graph_api import DEFAULT_GRAPH_API_URL, GraphAPIClient

GREETING_LIMIT = 160
MENU_TITLE_LIMIT = 30
MENU_ITEMS_MAX = 20

GET_STARTED_PAYLOAD = "/greet"

GREETING = ("Bonjour {{user_first_name}} ! Je suis l'assistant automatique de la Ville de "
            "Liège : horaires et coordonnées des services communaux, démarches "
            "administratives.")

MENU: List[Dict[str, str]] = [
    {"type": "postback", "title": "Ce que je sais faire", "payload": "/help"},
    {"type": "postback", "title": "Horaires d'un service", "payload": "/ask_hours"},
    {"type": "postback", "title": "Carte d'identité",
     "payload": '/ask_procedure{"procedure":"carte_identite"}'},
    {"type": "postback", "title": "Parler à un agent", "payload": "/human_handoff"},
    {"type": "web_url", "title": "Site de la Ville de Liège", "url": "https://www.liege.be"},
]

PROFILE_FIELDS = ["get_started", "greeting", "persistent_menu"]


def profile() -> Dict[str, Any]:
    """The Messenger profile of the city's page (checked against Messenger's limits)."""
    greeting_length = len(GREETING.replace("{{user_first_name}}", ""))
    if greeting_length > GREETING_LIMIT:
        raise ValueError(f"greeting is {greeting_length} characters (max {GREETING_LIMIT})")
    if len(MENU) > MENU_ITEMS_MAX:
        raise ValueError(f"persistent menu has {len(MENU)} items (max {MENU_ITEMS_MAX})")
    for item in MENU:
        if len(item["title"]) > MENU_TITLE_LIMIT:
            raise ValueError(f"menu title too long (max {MENU_TITLE_LIMIT}): {item['title']}")
    return {
        "get_started": {"payload": GET_STARTED_PAYLOAD},
        "greeting": [{"locale": "default", "text": GREETING}],
        "persistent_menu": [{
            "locale": "default",
            "composer_input_disabled": False,
            "call_to_actions": [dict(item) for item in MENU],
        }],
    }


def make_client(env: Optional[Dict[str, str]] = None) -> GraphAPIClient:
    env = dict(os.environ if env is None else env)
    token = env.get("FB_PAGE_ACCESS_TOKEN")
    if not token:
        raise KeyError("FB_PAGE_ACCESS_TOKEN")
    return GraphAPIClient(token, app_secret=env.get("FB_APP_SECRET") or None,
                          base_url=env.get("FB_GRAPH_API_URL") or DEFAULT_GRAPH_API_URL,
                          version=env.get("FB_GRAPH_API_VERSION") or None, retries=1)


async def apply(client: GraphAPIClient, delete: bool = False) -> bool:
    try:
        if delete:
            result = await client.delete_messenger_profile(PROFILE_FIELDS)
        else:
            result = await client.set_messenger_profile(profile())
    finally:
        await client.close()
    where = f"{client.base_url}/{client.version}/me/messenger_profile"
    if result.ok:
        what = "removed" if delete else "set"
        print(f"Messenger profile {what} ({', '.join(PROFILE_FIELDS)}) via {where}")
        return True
    print(f"Messenger profile NOT updated via {where}: {result.error}", file=sys.stderr)
    return False


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.messenger_setup",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true",
                        help="print the profile as JSON and send nothing")
    parser.add_argument("--delete", action="store_true",
                        help="remove get_started, greeting and persistent_menu")
    args = parser.parse_args(argv)
    if args.dry_run:
        print(json.dumps(profile(), ensure_ascii=False, indent=2))
        return 0
    try:
        client = make_client()
    except KeyError as error:
        print(f"messenger-setup: set {error.args[0]} (and FB_APP_SECRET) first", file=sys.stderr)
        return 2
    return 0 if asyncio.run(apply(client, delete=args.delete)) else 1


if __name__ == "__main__":
    sys.exit(main())
