"""Load benchmark of the assistant through its REST channel, as citizens use it, in both
set-ups: `make run` (one rasa server, SQLite) and `make cluster` (rasa servers behind nginx,
PostgreSQL, Redis), both started here on loopback ports. They run side by side, the one not
measured idle, and take turns: each scenario runs `--rounds` times (default 2) per set-up,
alternating, so that the machine's drift weighs on both alike.

    .venv/bin/python bench/bench_load.py                       # both set-ups, side by side
    .venv/bin/python bench/bench_load.py --setup cluster       # one of them
    .venv/bin/python bench/bench_load.py --url http://127.0.0.1:8000   # an assistant running

Scenarios (after a warm-up), over the conversations of bench/conversations.py, every
conversation under a new sender id, each message waiting for the previous answer:
- `closed N` for each N of `--citizens` (default 1, 5, 10, 20, 40): N citizens at once, no
  think time, `--seconds` per round (default 15); N = 1 is the turn latency, larger N the
  throughput;
- `open R/s`: messages arrive at random times (Poisson) at R per second (default 20), each
  into a conversation that is not waiting for an answer; latency counts from the arrival,
  so time spent queueing counts (no coordinated omission).
Prints p50/p95/p99, messages per second and errors (HTTP errors, timeouts, empty answers)
per scenario; the memory of each process after the load (with its child processes: RSS, and
PSS, which counts a page shared by forked workers once); then reads every conversation back
through the HTTP API and counts messages lost, doubled or reordered and turns interleaved;
the cluster's throughput as a share of the single server's; and draws
`results/bench_load.png` (latency and throughput against the number of citizens).

`make run`'s servers are started as scripts/run.sh does (scripts/rasa_cli.py, endpoints.yml,
`--workers` Sanic workers, default 2 as SANIC_WORKERS; SQLite tracker store and lock file in a
temporary folder); the cluster by `make cluster` itself, its data in a temporary folder.
Targets: issue 12 (make run: one citizen p50 ≤ 40 ms, p95 ≤ 80 ms; closed 20 ≥ 40 msg/s; open
20/s p95 ≤ 150 ms with 0 errors; rasa server memory ≤ 1.2 GB); issue 13 (20 citizens: 0 errors
and 0 lost or interleaved messages in both set-ups, the cluster's msg/s within 20 % of the
single server's).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

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
    sent: Dict[str, List[Tuple[str, bool]]] = field(default_factory=dict)  # (text, answered)

    def add(self, other: "Result") -> None:
        """`other`'s measures into this one (several rounds of one scenario)."""
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.seconds += other.seconds
        for sender, messages in other.sent.items():
            self.sent.setdefault(sender, []).extend(messages)

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
    error = await _post(session, url, sender, text)
    result.sent.setdefault(sender, []).append((text, error is None))
    if error:
        result.errors.append(error)
    else:
        result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _post(session: aiohttp.ClientSession, url: str, sender: str,
                text: str) -> Optional[str]:
    """None once the assistant answered, else what went wrong."""
    try:
        async with session.post(f"{url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None)
            if response.status != 200:
                return f"HTTP {response.status}"
            return None if body else f"no answer to {text!r}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return type(error).__name__


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
    """Memory of a process and its descendants: RSS (a page shared with other processes counts
    in each), PSS (a shared page counts once, split between the processes that map it: what
    they take) and private (pages no other process maps)."""
    if pid is None:
        return "unknown"
    tree = process_tree(pid)
    rss = sum(_memory_kb(p, "status", "VmRSS:") for p in tree)
    pss = sum(_memory_kb(p, "smaps_rollup", "Pss:") for p in tree)
    private = sum(_memory_kb(p, "smaps_rollup", "Private_Clean:")
                  + _memory_kb(p, "smaps_rollup", "Private_Dirty:") for p in tree)
    if not rss:
        return "unknown"
    processes = f", {len(tree)} processes" if len(tree) > 1 else ""
    return f"RSS {rss / 1024:.0f} MB, PSS {pss / 1024:.0f} MB, private {private / 1024:.0f} MB" \
           f"{processes}"


@dataclass
class SetUp:
    """A started assistant: its REST address and the processes whose memory is reported."""
    name: str
    url: str
    processes: Dict[str, Optional[int]]
    token: str = ""  # the HTTP API's, to read the trackers back


@contextlib.contextmanager
def own_run(workdir: Path, workers: int) -> Iterator[SetUp]:
    """The servers as `make run` starts them: one rasa server (`workers` Sanic workers),
    SQLite tracker store and lock file in `workdir`."""
    with servers.action_server(workdir) as action, \
            servers.rasa_server(workdir, action.url, env={"SANIC_WORKERS": str(workers)}) as rasa:
        yield SetUp(f"make run (1 server, {workers} workers, SQLite)", rasa.url,
                    {"rasa server": rasa.process.pid, "action server": action.process.pid},
                    servers.API_TOKEN)


@contextlib.contextmanager
def own_cluster(workdir: Path, rasa_servers: int) -> Iterator[SetUp]:
    """`make cluster` itself on free loopback ports, its data in `workdir`; Ctrl-C at the end."""
    token = uuid.uuid4().hex
    ports = servers.cluster_ports()  # two rasa servers' ports: enough for --rasa-servers 1 or 2
    env = servers.make_cluster_env(ports, workdir / "cluster", token, rasa_servers)
    workdir.chmod(0o755)  # PostgreSQL's user reaches its data folder through it
    log = workdir / "make-cluster.log"
    with open(log, "w") as output:
        process = subprocess.Popen(["make", "--no-print-directory", "cluster"],
                                   cwd=PROJECT_ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while "Press Ctrl-C to stop" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make cluster did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        rasa_ports = [int(ports["RASA_PORT"]) + n for n in range(rasa_servers)]
        processes = {f"rasa server {n + 1}": listening_pid(port)
                     for n, port in enumerate(rasa_ports)}
        processes.update({"action server": listening_pid(int(ports["ACTION_PORT"])),
                          "PostgreSQL": listening_pid(int(ports["PG_PORT"])),
                          "Redis": listening_pid(int(ports["REDIS_PORT"])),
                          "nginx": listening_pid(int(ports["LB_PORT"]))})
        yield SetUp(f"make cluster ({rasa_servers} servers, PostgreSQL, Redis, nginx)",
                    f"http://127.0.0.1:{ports['LB_PORT']}", processes, token)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as ops stop it
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running(url: str, action_port: int, token: str) -> Iterator[SetUp]:
    """An assistant already running at `url` (its processes found by their ports)."""
    url = url.rstrip("/")
    port = int(url.rsplit(":", 1)[1].split("/")[0]) if url.count(":") > 1 else 80
    yield SetUp(url, url, {"rasa server (or load balancer)": listening_pid(port),
                           "action server": listening_pid(action_port)}, token)


async def scenarios(setups: List[SetUp], args) -> Dict[str, List[Result]]:
    """Every scenario on every set-up. The set-ups run side by side, idle but for the one
    measured, and take turns: `--rounds` rounds of each number of citizens, alternating, so
    that a drift of the machine's speed (another tenant, the clock) weighs on both alike."""
    for setup in setups:
        await closed_loop(setup.url, 4, args.warmup, "warm-up")
    measured: Dict[str, List[Result]] = {setup.name: [] for setup in setups}
    for count in args.citizens:
        rounds = {setup.name: Result(f"closed {count}") for setup in setups}
        for _ in range(args.rounds):
            for setup in setups:
                rounds[setup.name].add(await closed_loop(setup.url, count, args.seconds, ""))
        for name, result in rounds.items():
            measured[name].append(result)
    for setup in setups:
        measured[setup.name].append(
            await open_loop(setup.url, args.rate, args.seconds, f"open {args.rate:g}/s"))
    return measured


def misplaced(events: List[dict], sent: List[Tuple[str, bool]]) -> List[str]:
    """What went wrong with one conversation's stored events: a message answered but not
    stored once in the order sent (lost, doubled, reordered), or a turn that another message's
    turn began inside (interleaved). A message that got an error may be stored or not."""
    stored, problems = [], []
    for event in events:
        if event.get("event") == "user":
            if stored and stored[-1][1] != "action_listen":
                problems.append(f"turn of {stored[-1][0]!r} interleaved with {event.get('text')!r}")
            stored.append([event.get("text"), None])
        elif event.get("event") == "action" and stored:
            stored[-1][1] = event.get("name")
    texts = [text for text, _ in stored]
    if all(answered for _, answered in sent):
        if texts != [text for text, _ in sent]:
            problems.append(f"stored {texts} for sent {[text for text, _ in sent]}")
    else:  # the answered messages, in order, among those stored
        remaining = iter(texts)
        if not all(text in remaining for text, answered in sent if answered):
            problems.append(f"stored {texts} for sent {sent}")
    return problems


async def check_trackers(url: str, token: str, results: List[Result]) -> Tuple[int, List[str]]:
    """Reads back every conversation of the load: (conversations read, problems found)."""
    sent = {sender: messages for result in results for sender, messages in result.sent.items()}
    problems: List[str] = []
    gate = asyncio.Semaphore(8)

    async def check(session: aiohttp.ClientSession, sender: str) -> None:
        async with gate, session.get(f"{url}/conversations/{sender}/tracker",
                                     params={"token": token}) as response:
            if response.status != 200:
                problems.append(f"{sender}: tracker HTTP {response.status}")
                return
            events = (await response.json())["events"]
        problems.extend(f"{sender}: {problem}" for problem in misplaced(events, sent[sender]))

    async with _session(8) as session:
        await asyncio.gather(*(check(session, sender) for sender in sent))
    return len(sent), problems


def citizens_of(result: Result) -> Optional[int]:
    """N of a `closed N` scenario, None for the others."""
    kind, _, count = result.name.partition(" ")
    return int(count) if kind == "closed" else None


def draw(measured: Dict[str, List[Result]], path: Path) -> None:
    """Latency (p50, p95) and throughput against the number of citizens, one line per set-up."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.5))
    for (name, results), colour in zip(measured.items(), ("tab:blue", "tab:orange", "tab:green")):
        closed = [r for r in results if citizens_of(r) and r.latencies_ms]
        counts = [citizens_of(r) for r in closed]
        latency.plot(counts, [r.percentile(0.95) for r in closed], "o-", color=colour,
                     label=f"{name}: p95")
        latency.plot(counts, [r.percentile(0.5) for r in closed], "o--", color=colour,
                     alpha=0.6, label=f"{name}: p50")
        throughput.plot(counts, [len(r.latencies_ms) / r.seconds for r in closed], "o-",
                        color=colour, label=name)
    latency.set_yscale("log")
    latency.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    latency.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    latency.set_ylabel("turn latency (ms, log scale)")
    throughput.set_ylabel("messages answered per second")
    throughput.set_ylim(bottom=0)
    for axis in (latency, throughput):
        axis.set_xlabel("citizens writing at once (no think time)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    figure.suptitle("Assistant load benchmark (REST channel, loopback)")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)


def comparison(measured: Dict[str, List[Result]]) -> List[str]:
    """Per number of citizens, each set-up's msg/s and the second's share of the first's."""
    names = list(measured)
    if len(names) != 2:
        return []
    rates = [{citizens_of(r): len(r.latencies_ms) / r.seconds for r in measured[name]
              if citizens_of(r)} for name in names]
    lines = [f"{'citizens':>8}  {'msg/s (' + names[0].split(' (')[0] + ')':>22}  "
             f"{'msg/s (' + names[1].split(' (')[0] + ')':>26}  ratio"]
    for count in sorted(set(rates[0]) & set(rates[1])):
        first, second = rates[0][count], rates[1][count]
        lines.append(f"{count:>8}  {first:>22.1f}  {second:>26.1f}  "
                     f"{second / first if first else float('nan'):.2f}")
    return lines


def report(setup: SetUp, results: List[Result]) -> None:
    print(f"\n== {setup.name}  ({setup.url})")
    for result in results:
        print(result.line())
    for result in results:
        for error in sorted(set(result.errors))[:5]:
            print(f"  {result.name}: {result.errors.count(error)} x {error}")
    print("Memory after the load: " + "; ".join(
        f"{name} {memory(pid)}" for name, pid in setup.processes.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=("run", "cluster", "both"), default="both",
                        help="which set-ups to start and measure one after the other")
    parser.add_argument("--url", help="measure a running assistant instead (rasa server or "
                        "load balancer)")
    parser.add_argument("--action-port", type=int, default=5055,
                        help="with --url: the action server's port, for its memory")
    parser.add_argument("--token", default=os.environ.get("RASA_API_TOKEN", ""),
                        help="with --url: the HTTP API's token (RASA_API_TOKEN), to read the "
                        "conversations back")
    parser.add_argument("--citizens", type=lambda text: [int(n) for n in text.split(",")],
                        default=[1, 5, 10, 20, 40],
                        help="numbers of simultaneous citizens, comma-separated")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0, help="per round of a scenario")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of each number of citizens, the set-ups alternating")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SANIC_WORKERS", 2)),
                        help="make run's rasa workers (SANIC_WORKERS, as make run: 2)")
    parser.add_argument("--rasa-servers", type=int, default=2,
                        help="make cluster's rasa servers (RASA_SERVERS, as make cluster: 2)")
    parser.add_argument("--chart", type=Path, default=PROJECT_ROOT / "results" / "bench_load.png")
    args = parser.parse_args()
    print(describe_machine())
    if args.url:
        starters = [lambda _: running(args.url, args.action_port, args.token)]
    else:
        starters = [lambda folder: own_run(folder, args.workers),
                    lambda folder: own_cluster(folder, args.rasa_servers)]
        starters = {"run": starters[:1], "cluster": starters[1:], "both": starters}[args.setup]
    with contextlib.ExitStack() as stack:
        setups = [stack.enter_context(start(Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="bench-load-"))))) for start in starters]
        measured = asyncio.run(scenarios(setups, args))
        for setup in setups:
            report(setup, measured[setup.name])
            if len(setups) > 1:
                print("  (PSS splits the pages both set-ups map, the same libraries and model "
                      "files: --setup run or --setup cluster gives one set-up's own)")
            if setup.token:
                read, problems = asyncio.run(
                    check_trackers(setup.url, setup.token, measured[setup.name]))
                print(f"Conversations read back: {read}, lost, doubled or interleaved "
                      f"messages: {len(problems)}")
                for problem in problems[:10]:
                    print(f"  {problem}")
    for line in comparison(measured):
        print(line)
    draw(measured, args.chart)
    print(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
