"""What the webhook benchmarks (bench_messenger_webhook.py, bench_x_webhook.py) share.

Simulated citizens each send a signed webhook call, wait until the fake platform API has
received the bot's answer, then send the next message; many conversations run at once. Here:
the load, the percentiles and the latency lines of the report, the servers (rasa with the
action server, or the connector alone with a scripted bot: mode "stub") and the common options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import aiohttp  # noqa: E402

from tests.support import servers  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

TARGET_P95_MS = 100.0

Results = Tuple[List[float], List[float], List[str], float]  # webhook ms, turn ms, errors, s


@dataclass
class Platform:
    """How a benchmark talks to its channel and sees the bot's answers."""

    signed_request: Callable[[str, int], Tuple[bytes, Dict[str, str]]]  # (citizen, n) -> call
    answers: Callable[[str], int]  # the bot's answers to a citizen the fake API has received
    no_answer: str  # error text: "no answer to message", "no DM for message"


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def conversation(session: aiohttp.ClientSession, url: str, platform: Platform,
                       citizen: str, count: int, webhook_ms: List[float], turn_ms: List[float],
                       errors: List[str], turn_timeout: float) -> None:
    for index in range(count):
        body, headers = platform.signed_request(citizen, index)
        started = time.perf_counter()
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
        webhook_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            errors.append(f"{citizen}: HTTP {status}")
            continue
        deadline = time.monotonic() + turn_timeout
        while platform.answers(citizen) < index + 1:
            if time.monotonic() > deadline:
                errors.append(f"{citizen}: {platform.no_answer} {index + 1} in {turn_timeout}s")
                return
            await asyncio.sleep(0.005)
        turn_ms.append((time.perf_counter() - started) * 1000)


async def load(url: str, platform: Platform, conversations: int, messages: int,
               turn_timeout: float, warmup_citizen: str,
               citizen: Callable[[int], str]) -> Results:
    webhook_ms: List[float] = []
    turn_ms: List[float] = []
    errors: List[str] = []
    connector = aiohttp.TCPConnector(limit=conversations * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Warm-up conversation (first inference, tracker store), not measured.
        await conversation(session, url, platform, warmup_citizen, 3, [], [], errors,
                           turn_timeout)
        started = time.perf_counter()
        await asyncio.gather(*(
            conversation(session, url, platform, citizen(n), messages, webhook_ms, turn_ms,
                         errors, turn_timeout)
            for n in range(conversations)))
        elapsed = time.perf_counter() - started
    return webhook_ms, turn_ms, errors, elapsed


def report_latencies(webhook_ms: List[float], turn_ms: List[float], errors: List[str],
                     elapsed: float, turn_label: str, turn_end: str, notes: Sequence[str] = (),
                     notes_ok: bool = True, target_label: str = "target p95") -> bool:
    """Prints the latency lines (``webhook_ms`` not empty); True when the target is met."""
    p95 = percentile(webhook_ms, 0.95)
    print(f"  webhook answer : p50 {percentile(webhook_ms, 0.5):.1f} ms, p95 {p95:.1f} ms, "
          f"p99 {percentile(webhook_ms, 0.99):.1f} ms, max {max(webhook_ms):.1f} ms, "
          f"mean {statistics.mean(webhook_ms):.1f} ms")
    if turn_ms:
        print(f"  {turn_label}: p50 {percentile(turn_ms, 0.5):.0f} ms, "
              f"p95 {percentile(turn_ms, 0.95):.0f} ms (webhook call -> {turn_end}; "
              f"{len(turn_ms) / elapsed:.1f} turns/s)")
    for note in notes:
        print(note)
    for error in errors[:5]:
        print(f"  error: {error}")
    if len(errors) > 5:
        print(f"  … {len(errors) - 5} more errors")
    ok = p95 <= TARGET_P95_MS and not errors and notes_ok
    print(f"  {target_label} <= {TARGET_P95_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


# --- servers -----------------------------------------------------------------------------------

@contextlib.contextmanager
def rasa_servers(env: Dict[str, str], channel_path: str,
                 workdir: Path) -> Iterator[Tuple[str, Path]]:
    """The action server and the rasa server with credentials.yml rendered from ``env``;
    yields the channel's webhook URL (``/webhooks/<channel_path>/webhook``) and the log."""
    from connectors.credentials import render
    credentials, _ = render((PROJECT_ROOT / "credentials.yml").read_text(), env)
    with servers.action_server(workdir) as actions:
        with servers.rasa_server(workdir, actions.url, credentials=credentials,
                                 env=env) as rasa:
            yield f"{rasa.url}/webhooks/{channel_path}/webhook", rasa.log


@contextlib.contextmanager
def stub_server(bench_script: str, api_args: List[str], channel_path: str, workdir: Path,
                work_ms: float) -> Iterator[Tuple[str, Path]]:
    """``bench_script --serve-stub PORT`` in a subprocess (mode "stub")."""
    port = free_port()
    log = workdir / f"stub-{port}.log"
    cmd = [sys.executable, str(Path(bench_script).resolve()), "--serve-stub", str(port),
           *api_args, "--stub-work", str(work_ms)]
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            servers.wait_until_up(f"http://127.0.0.1:{port}/webhooks/{channel_path}/", process,
                                  log, 60)
            yield f"http://127.0.0.1:{port}/webhooks/{channel_path}/webhook", log
        finally:
            servers.stop(process)


def serve_stub(app_name: str, channel: Any, port: int, work_ms: float) -> None:
    """``channel`` in a Sanic server with a scripted bot that works ``work_ms`` per turn."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    class Agent:
        async def handle_message(self, message):
            await asyncio.sleep(work_ms / 1000)  # NLU, policies, actions
            await message.output_channel.send_response(
                message.sender_id, {"text": f"Réponse à : {message.text}", "buttons": [
                    {"title": f"Choix {i}", "payload": f"/c{i}"} for i in range(4)]})

    app = Sanic(app_name)
    app.ctx.agent = Agent()
    register([channel], app, route="/webhooks/")
    app.run(host="127.0.0.1", port=port, access_log=False)


def parser_with_common_options(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10,
                        help="messages per conversation (default 10)")
    parser.add_argument("--mode", choices=["rasa", "stub"],
                        default="rasa" if servers.MODEL_PATH.exists() else "stub")
    parser.add_argument("--stub-work", type=float, default=50.0,
                        help="simulated bot work per turn in stub mode, ms (default 50)")
    parser.add_argument("--turn-timeout", type=float, default=120.0)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the p95 target is not met")
    parser.add_argument("--serve-stub", type=int, help=argparse.SUPPRESS)
    return parser


def measure(args: argparse.Namespace, platform: Platform, stub_label: str,
            rasa: Callable[[], Any], stub: Callable[[], Any], warmup_citizen: str,
            citizen: Callable[[int], str]) -> Results:
    """Starts the servers of ``args.mode`` (``rasa()`` or ``stub()``) and runs the load."""
    if args.mode == "rasa":
        print(f"Starting the action server and the rasa server ({servers.MODEL_PATH.name})…")
        servers_cm = rasa()
    else:
        print(f"Starting {stub_label} with a scripted bot ({args.stub_work:.0f} ms/turn)…")
        servers_cm = stub()
    with servers_cm as (url, log):
        results = asyncio.run(load(url, platform, args.conversations, args.messages,
                                   args.turn_timeout, warmup_citizen, citizen))
        if results[2]:
            print(servers.tail(log, 20))
    return results

