"""Set up X for the assistant: register the webhook and subscribe the city's account to its DMs.

    make x-setup                              # = python -m connectors.x_setup
    python -m connectors.x_setup --dry-run    # print the calls, send nothing
    python -m connectors.x_setup --delete     # remove the subscriptions and the webhook

1. ``GET /2/webhooks`` (app bearer token): is ``X_WEBHOOK_URL`` registered? If not,
   ``POST /2/webhooks {"url"}``; X then sends the CRC to the running rasa server, which must
   answer it (connectors/x.py). A registered webhook that X marked invalid is re-checked with
   ``PUT /2/webhooks/:id``.
2. ``GET /2/activity/subscriptions`` (bearer): for each of ``dm.received`` (citizens' DMs) and
   ``dm.sent`` (the account's DMs: how the channel sees a person of the city answering by hand;
   not billed), a subscription for ``X_BOT_USER_ID`` on that webhook; missing ones are created
   with ``POST /2/activity/subscriptions`` as the city's account (OAuth 1.0a: private events
   need user context).

Everything is listed first, so a second run changes nothing. Settings from the environment:
``X_BEARER_TOKEN``, ``X_WEBHOOK_URL`` (https, no port, ending in /webhooks/x/webhook),
``X_BOT_USER_ID``, ``X_CONSUMER_KEY``, ``X_CONSUMER_SECRET``, ``X_ACCESS_TOKEN``,
``X_ACCESS_TOKEN_SECRET``; ``X_API_URL`` (default https://api.x.com) lets a fake stand in.

Exit status: 0 done, 1 X refused or did not answer, 2 configuration missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence

from connectors.x_api import DEFAULT_X_API_URL, XAPIClient

EVENT_TYPES = ("dm.received", "dm.sent")
TAG = "liege-citybot-dm"
USER_SETTINGS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN",
                 "X_ACCESS_TOKEN_SECRET")


class SetupError(Exception):
    pass


def settings(env: Dict[str, str], delete: bool = False,
             dry_run: bool = False) -> Dict[str, str]:
    """The settings a run needs; for a dry run, placeholders stand for the missing ones."""
    needed = ["X_BEARER_TOKEN", "X_WEBHOOK_URL", "X_BOT_USER_ID"]
    if not delete:
        needed += list(USER_SETTINGS)
    missing = [name for name in needed if not env.get(name)]
    if missing and not dry_run:
        raise KeyError(", ".join(missing))
    values = {name: env.get(name) or f"<{name}>" for name in needed + list(USER_SETTINGS)}
    values["X_API_URL"] = env.get("X_API_URL") or DEFAULT_X_API_URL
    if env.get("X_BOT_USER_ID") and not values["X_BOT_USER_ID"].isdigit():
        raise ValueError("X_BOT_USER_ID must be the account's numeric id")
    return values


def subscription_body(event_type: str, bot_user_id: str, webhook_id: str) -> Dict[str, Any]:
    return {"event_type": event_type, "filter": {"user_id": bot_user_id}, "tag": TAG,
            "webhook_id": webhook_id}


def plan(values: Dict[str, str], delete: bool) -> List[str]:
    """The calls a run makes, for --dry-run (what exists is not known without asking X)."""
    url, bot = values["X_WEBHOOK_URL"], values["X_BOT_USER_ID"]
    api = values["X_API_URL"].rstrip("/")
    lines = [f"GET {api}/2/webhooks  (bearer) -> is {url} registered?",
             f"GET {api}/2/activity/subscriptions  (bearer) -> existing subscriptions"]
    if delete:
        lines += [f"DELETE {api}/2/activity/subscriptions/<id>  (bearer) for each subscription "
                  f"of user {bot} on that webhook",
                  f"DELETE {api}/2/webhooks/<id>  (bearer)"]
        return lines
    lines.append(f"POST {api}/2/webhooks  (bearer) "
                 f"{json.dumps({'url': url})}  only if not registered")
    for event_type in EVENT_TYPES:
        body = subscription_body(event_type, bot, "<webhook id>")
        lines.append(f"POST {api}/2/activity/subscriptions  (OAuth 1.0a, user {bot}) "
                     f"{json.dumps(body)}  only if missing")
    return lines


def _items(data: Dict[str, Any]) -> List[Dict[str, Any]]:
    items = data.get("data")
    if isinstance(items, dict):
        items = [items]
    return [item for item in items or [] if isinstance(item, dict)]


def _subscription_id(item: Dict[str, Any]) -> str:
    inner = item.get("subscription") if isinstance(item.get("subscription"), dict) else item
    return str(inner.get("subscription_id") or inner.get("id") or "")


def _ours(item: Dict[str, Any], bot: str, webhook_id: str) -> bool:
    filter_ = item.get("filter") if isinstance(item.get("filter"), dict) else {}
    return (str(filter_.get("user_id") or "") == bot
            and str(item.get("webhook_id") or webhook_id) == webhook_id)


async def _check(result: Any, what: str) -> Dict[str, Any]:
    if not result.ok:
        raise SetupError(f"{what}: {result.error}")
    return result.data


async def find_webhook(app: XAPIClient, url: str) -> Optional[Dict[str, Any]]:
    data = await _check(await app.list_webhooks(), "listing the webhooks")
    return next((item for item in _items(data) if item.get("url") == url), None)


async def find_subscriptions(app: XAPIClient, bot: str,
                             webhook_id: str) -> List[Dict[str, Any]]:
    data = await _check(await app.list_subscriptions(), "listing the subscriptions")
    return [item for item in _items(data) if _ours(item, bot, webhook_id)]


async def apply(values: Dict[str, str], delete: bool = False,
                out: Any = sys.stdout) -> List[str]:
    """Make X match the wanted set-up; return one line per change (none: already set)."""
    api = values["X_API_URL"]
    app = XAPIClient(bearer_token=values["X_BEARER_TOKEN"], base_url=api, retries=1)
    user: Optional[XAPIClient] = None
    if not delete:
        user = XAPIClient(*(values[name] for name in USER_SETTINGS), base_url=api, retries=1)
    url, bot = values["X_WEBHOOK_URL"], values["X_BOT_USER_ID"]
    changes: List[str] = []
    try:
        webhook = await find_webhook(app, url)
        webhook_id = str(webhook["id"]) if webhook else ""
        existing = await find_subscriptions(app, bot, webhook_id) if webhook_id else []
        if delete:
            for item in existing:
                sub_id = _subscription_id(item)
                await _check(await app.delete_subscription(sub_id),
                             f"deleting subscription {sub_id}")
                changes.append(f"deleted subscription {sub_id} ({item.get('event_type')})")
            if webhook_id:
                await _check(await app.delete_webhook(webhook_id),
                             f"deleting webhook {webhook_id}")
                changes.append(f"deleted webhook {webhook_id} ({url})")
            return changes
        if webhook is None:
            data = await _check(await app.create_webhook(url), "registering the webhook "
                                "(is the rasa server running and reachable at that URL?)")
            created = _items(data)
            webhook_id = str(created[0].get("id") or "") if created else ""
            if not webhook_id:
                raise SetupError("X registered the webhook but returned no id")
            changes.append(f"registered webhook {webhook_id} ({url})")
        elif webhook.get("valid") is False:
            await _check(await app.request("PUT", f"2/webhooks/{webhook_id}",
                                           what=f"re-validate webhook {webhook_id}"),
                         "re-validating the webhook")
            changes.append(f"re-validated webhook {webhook_id} (X had marked it invalid)")
        have = {str(item.get("event_type")) for item in existing}
        for event_type in EVENT_TYPES:
            if event_type in have:
                continue
            assert user is not None
            data = await _check(await user.create_subscription(
                subscription_body(event_type, bot, webhook_id)), f"subscribing to {event_type}")
            sub_id = next((_subscription_id(item) for item in _items(data)), "")
            changes.append(f"subscribed user {bot} to {event_type}"
                           + (f" (subscription {sub_id})" if sub_id else ""))
        return changes
    finally:
        await app.close()
        if user is not None:
            await user.close()


def main(argv: Optional[Sequence[str]] = None, env: Optional[Dict[str, str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.x_setup",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print the calls, send nothing")
    parser.add_argument("--delete", action="store_true",
                        help="remove the account's DM subscriptions and the webhook")
    args = parser.parse_args(argv)
    env = dict(os.environ if env is None else env)
    try:
        values = settings(env, delete=args.delete, dry_run=args.dry_run)
    except KeyError as error:
        print(f"x-setup: set {error.args[0]} first (README, \"X (Twitter)\")", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"x-setup: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        print("x-setup --dry-run: nothing is sent. The calls:")
        for line in plan(values, args.delete):
            print(f"  {line}")
        return 0
    try:
        changes = asyncio.run(apply(values, delete=args.delete))
    except SetupError as error:
        print(f"x-setup: X refused: {error}", file=sys.stderr)
        return 1
    for change in changes:
        print(change)
    if not changes:
        print("x-setup: nothing to do" + (" (nothing registered)" if args.delete else
                                          ": the webhook and subscriptions are in place"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
