"""Load benchmark of the assistant through its REST channel, as citizens use it.

    .venv/bin/python bench/bench_load.py                 # starts its own servers (as make run)
    .venv/bin/python bench/bench_load.py --url http://127.0.0.1:5005   # a running assistant

Scenarios (each after a warm-up), over the conversations of bench/conversations.py, every
conversation under a new sender id, each message waiting for the previous answer:
- `one citizen`: one conversation at a time, no think time: the turn latency;
- `closed N`: N citizens at once, no think time (default 20): throughput;
- `open R/s`: messages arrive at random times (Poisson) at R per second (default 20), each
  into a conversation that is not waiting for an answer; latency counts from the arrival,
  so time spent queueing counts (no coordinated omission).
Prints p50/p95/p99, messages per second and errors (HTTP errors, timeouts, empty answers)
per scenario, the memory of the rasa and action servers after the load (each with its child
processes: RSS, and PSS, which counts a page shared by forked workers once), and draws
`results/bench_load.png` (latency distribution per scenario).

Without `--url` it starts an action server and a rasa server the way `make run` does
(scripts/rasa_cli.py, the project's endpoints.yml, `--workers` Sanic workers (SANIC_WORKERS,
default 2), SQLite tracker store and lock file in a temporary folder).
Targets (issue 12): one citizen p50 ≤ 40 ms, p95 ≤ 80 ms; closed 20 ≥ 40 msg/s; open 20/s
p95 ≤ 150 ms with 0 errors; rasa server memory ≤ 1.2 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import aiohttp  # noqa: E402

from conversations import CONVERSATIONS  # noqa: E402  (bench/ is the script's folder)
from machine_info import describe_machine  # noqa: E402
from tests.support import servers  # noqa: E402

TIMEOUT_S = 30.0
warnings.filterwarnings("ignore")  # rasa's dependencies' deprecation notices, not figures


@dataclass
class Result:
    name: str
    latencies_ms: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] \
            if ordered else float("nan")

    def line(self) -> str:
        done = len(self.latencies_ms)
        return (f"{self.name:<14} {done:>6} msgs {done / self.seconds:>7.1f} msg/s   "
                f"p50 {self.percentile(0.5):>7.1f}  p95 {self.percentile(0.95):>7.1f}  "
                f"p99 {self.percentile(0.99):>7.1f} ms   errors {len(self.errors)}")


class Citizen:
    """One conversation after another, each under a new sender id."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._messages: List[str] = []
        self._sender = ""

    def next_message(self) -> tuple:
        if not self._messages:
            self._messages = list(self._random.choice(CONVERSATIONS))
            self._sender = f"load-{uuid.uuid4().hex[:10]}"
        return self._sender, self._messages.pop(0)


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str,
               result: Result, started: Optional[float] = None) -> None:
    started = time.perf_counter() if started is None else started
    try:
        async with session.post(f"{url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None)
            if response.status != 200:
                result.errors.append(f"HTTP {response.status}")
                return
            if not body:
                result.errors.append(f"no answer to {text!r}")
                return
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        result.errors.append(type(error).__name__)
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def closed_loop(url: str, citizens: int, seconds: float, name: str) -> Result:
    result = Result(name)
    deadline = time.perf_counter() + seconds

    async def citizen(n: int, session: aiohttp.ClientSession) -> None:
        person = Citizen(n)
        while time.perf_counter() < deadline:
            await send(session, url, *person.next_message(), result)

    async with _session(citizens) as session:
        started = time.perf_counter()
        await asyncio.gather(*(citizen(n, session) for n in range(citizens)))
        result.seconds = time.perf_counter() - started
    return result


async def open_loop(url: str, rate: float, seconds: float, name: str, seed: int = 7) -> Result:
    result = Result(name)
    arrivals = random.Random(seed)
    idle: List[Citizen] = []
    tasks = []

    async def one_message(person: Citizen, arrived: float, session) -> None:
        await send(session, url, *person.next_message(), result, started=arrived)
        idle.append(person)

    async with _session(200) as session:
        started = time.perf_counter()
        next_arrival = started
        count = 0
        while next_arrival < started + seconds:
            await asyncio.sleep(max(0.0, next_arrival - time.perf_counter()))
            person = idle.pop() if idle else Citizen(1000 + count)
            tasks.append(asyncio.create_task(one_message(person, next_arrival, session)))
            count += 1
            next_arrival += arrivals.expovariate(rate)
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - started
    return result


@contextlib.asynccontextmanager
async def _session(connections: int):
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        yield session


def listening_pid(port: int) -> Optional[int]:
    """The process listening on 127.0.0.1/0.0.0.0:`port`, from /proc (Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return int(pid)
    return None


def process_tree(pid: int) -> List[int]:
    """`pid` and its descendants (rasa's Sanic workers are children of its main process)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
    return found


def _memory_kb(pid: int, path: str, field_name: str) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/{path}") as lines:
        return next((int(line.split()[1]) for line in lines if line.startswith(field_name)), 0)
    return 0


def memory(pid: Optional[int]) -> str:
    """Memory of a process and its descendants: RSS (a page shared by forked processes counts
    in each) and PSS (a shared page counts once, split between them: what they take)."""
    if pid is None:
        return "unknown"
    tree = process_tree(pid)
    rss = sum(_memory_kb(p, "status", "VmRSS:") for p in tree)
    pss = sum(_memory_kb(p, "smaps_rollup", "Pss:") for p in tree)
    if not rss:
        return "unknown"
    processes = f", {len(tree)} processes" if len(tree) > 1 else ""
    return f"RSS {rss / 1024:.0f} MB, PSS {pss / 1024:.0f} MB{processes}"


def draw(results: List[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for result in results:
        ordered = sorted(result.latencies_ms)
        if ordered:
            axis.plot(ordered, [i / len(ordered) for i in range(len(ordered))],
                      label=f"{result.name} (p95 {result.percentile(0.95):.0f} ms)")
    axis.set_xscale("log")
    axis.set_xlabel("turn latency (ms, log scale)")
    axis.set_ylabel("share of messages answered")
    axis.set_title("Assistant load benchmark (REST channel)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")


@contextlib.contextmanager
def own_servers(workdir: Path, workers: int) -> Iterator[Dict[str, object]]:
    with servers.action_server(workdir) as action, \
            servers.rasa_server(workdir, action.url, env={"SANIC_WORKERS": str(workers)}) as rasa:
        yield {"url": rasa.url, "rasa": rasa.process.pid, "action": action.process.pid}


async def scenarios(url: str, args) -> List[Result]:
    await closed_loop(url, 4, args.warmup, "warm-up")
    results = [await closed_loop(url, 1, args.seconds, "one citizen"),
               await closed_loop(url, args.citizens, args.seconds, f"closed {args.citizens}"),
               await open_loop(url, args.rate, args.seconds, f"open {args.rate:g}/s")]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running assistant's rasa server (default: start one)")
    parser.add_argument("--action-port", type=int, default=5055,
                        help="with --url: the action server's port, for its memory")
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SANIC_WORKERS", 2)),
                        help="without --url: rasa workers (SANIC_WORKERS, as make run: 2)")
    parser.add_argument("--chart", type=Path, default=PROJECT_ROOT / "results" / "bench_load.png")
    args = parser.parse_args()
    print(describe_machine())
    with contextlib.ExitStack() as stack:
        if args.url:
            url = args.url.rstrip("/")
            port = int(url.rsplit(":", 1)[1].split("/")[0]) if url.count(":") > 1 else 80
            processes = {"rasa": listening_pid(port), "action": listening_pid(args.action_port)}
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            started = stack.enter_context(own_servers(workdir, args.workers))
            print(f"rasa server: {args.workers} worker(s), locks in SQLite (as make run)")
            url = str(started["url"])
            processes = {"rasa": started["rasa"], "action": started["action"]}
        results = asyncio.run(scenarios(url, args))
        for result in results:
            print(result.line())
        for result in results:
            for error in sorted(set(result.errors))[:5]:
                print(f"  {result.name}: {result.errors.count(error)} x {error}")
        print(f"Memory after the load: rasa server {memory(processes['rasa'])}; "
              f"action server {memory(processes['action'])}")
        draw(results, args.chart)
        print(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
