"""How often two rasa processes mix up a conversation, with rasa's RedisLockStore and with the
project's lock store (rasa_extensions/ticket_lock_store.py).

    .venv/bin/python bench/bench_lock_race.py [--rounds 5] [--conversations 36]

The scenario of tests/integration/test_concurrent_turns.py: each conversation's two messages
(a question, then a follow-up) sent at the same moment, on two connections. Two set-ups:
- two servers: two rasa servers sharing a real PostgreSQL and Redis, one message to each;
- two workers: one rasa server with two Sanic workers, SQLite tracker store.
A conversation counts as broken when a message is missing or doubled in its tracker, or when
a turn's actions do not end with action_listen before the next message (interleaved turns).
Prints, per lock store and set-up, the broken conversations out of those sent, and the
messages that got no answer (rasa's "Could not acquire lock" errors).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)
from tests.integration.test_concurrent_turns import send_pairs, turns  # noqa: E402
from tests.support import postgres_server, redis_server, servers  # noqa: E402


def endpoints_with(lock_store: str, workdir: Path, redis_url: str) -> Path:
    """The project's endpoints.yml with another lock store section."""
    text = servers.PROJECT_ENDPOINTS.read_text()
    text = text[:text.index("lock_store:")]
    if lock_store == "rasa RedisLockStore":
        host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
        host, port = host_port.rsplit(":", 1)
        text += f"lock_store:\n  type: redis\n  url: {host}\n  port: {port}\n  db: 1\n"
    else:
        text += "lock_store:\n  type: rasa_extensions.ticket_lock_store.TicketLockStore\n" \
                "  url: ${LOCK_STORE_URL}\n"
    path = workdir / f"endpoints-{lock_store.split()[0]}.yml"
    path.write_text(text)
    return path


def broken(url: str, pairs: dict) -> int:
    count = 0
    for sender, pair in pairs.items():
        handled = turns(servers.tracker(url, sender)["events"])
        whole = all(actions and actions[-1] == "action_listen" for _, actions in handled)
        count += not (sorted(text for text, _ in handled) == sorted(pair) and whole)
    return count


@contextlib.contextmanager
def set_up(kind: str, workdir: Path, action_url: str, stores: dict):
    if kind == "two servers":
        env = {"TRACKER_STORE_URL": stores["postgres"], "LOCK_STORE_URL": stores["redis"]}
        with servers.rasa_server(workdir, action_url, env=env) as first, \
                servers.rasa_server(workdir, action_url, env=env) as second:
            yield [first.url, second.url]
    else:
        env = {"SANIC_WORKERS": "2", "LOCK_STORE_URL": stores["redis"]}
        with servers.rasa_server(workdir, action_url, env=env) as server:
            yield [server.url]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=36, help="per round")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as folder, \
            postgres_server.postgres_server() as postgres, \
            redis_server.redis_server(Path(folder) / "redis") as redis_url:
        workdir = Path(folder)
        stores = {"postgres": postgres.url, "redis": redis_url}
        with servers.action_server(workdir) as action:
            for lock_store in ("rasa RedisLockStore", "project TicketLockStore"):
                servers.PROJECT_ENDPOINTS = endpoints_with(lock_store, workdir, redis_url)
                for kind in ("two servers", "two workers"):
                    total = bad = unanswered = 0
                    with set_up(kind, workdir, action.url, stores) as urls:
                        for round_number in range(args.rounds):
                            prefix = f"{lock_store.split()[0]}-{kind[4:]}-{round_number}"
                            pairs, missed = send_pairs(urls, prefix, args.conversations)
                            bad += broken(urls[0], pairs)
                            total += len(pairs)
                            unanswered += missed
                    print(f"{lock_store:<24} {kind:<12} broken conversations: {bad} of "
                          f"{total}; messages without an answer: {unanswered}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
