"""How long `make run` takes until the assistant answers its first message (model trained).

    .venv/bin/python bench/bench_start.py [--runs 3]

Each run starts `make run` on free ports with a temporary tracker database, then polls: the
action server's /health, the widget page, the rasa server's /status, and a REST "Bonjour"
until it gets an answer. It prints when each answered, counted from the start of `make run`,
then stops everything with Ctrl-C's signal (SIGINT) and waits for the servers to exit.
Target (issue 12): first answer ≤ 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)
from tests.support.servers import free_port  # noqa: E402

TOKEN = "bench-start"
POLL_S = 0.1


def answers(url: str, body: Optional[dict] = None) -> bool:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            payload = response.read()
    except (urllib.error.URLError, ConnectionError, OSError):
        return False
    return body is None or bool(json.loads(payload or b"[]"))


def one_run(timeout: float) -> Dict[str, float]:
    ports = {name: str(free_port()) for name in ("ACTION_PORT", "RASA_PORT", "WEB_PORT")}
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, **ports, "RASA_API_TOKEN": TOKEN,
               "TRACKER_STORE_URL": f"sqlite:///{folder}/tracker.db",
               "LOCK_STORE_URL": f"sqlite:///{folder}/locks.db"}
        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        checks = {
            "action server": (f"http://127.0.0.1:{ports['ACTION_PORT']}/health", None),
            "widget page": (f"http://127.0.0.1:{ports['WEB_PORT']}/", None),
            "rasa server": (f"{rasa}/status?token={TOKEN}", None),
            "first answer": (f"{rasa}/webhooks/rest/webhook",
                             {"sender": "bench-start", "message": "Bonjour"}),
        }
        started = time.monotonic()
        process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=PROJECT_ROOT,
                                   env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        times: Dict[str, float] = {}
        try:
            while len(times) < len(checks):
                if time.monotonic() - started > timeout:
                    raise SystemExit(f"error: no answer within {timeout:.0f} s; "
                                     f"see {PROJECT_ROOT / '.run'}/*.log")
                if process.poll() is not None:
                    raise SystemExit(f"error: make run exited with {process.returncode}; "
                                     f"see {PROJECT_ROOT / '.run'}/*.log")
                for name, (url, body) in checks.items():
                    # the first message only once the rasa server answers (one try per poll)
                    if name not in times and (body is None or "rasa server" in times) \
                            and answers(url, body):
                        times[name] = time.monotonic() - started
                time.sleep(POLL_S)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(60)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(describe_machine())
    runs = []
    for number in range(1, args.runs + 1):
        times = one_run(args.timeout)
        runs.append(times)
        print(f"run {number}: " + ", ".join(f"{name} {seconds:.1f} s"
                                            for name, seconds in sorted(times.items(),
                                                                        key=lambda kv: kv[1])),
              flush=True)
    for name in runs[0]:
        print(f"median {name:<14} {statistics.median(run[name] for run in runs):5.1f} s")


if __name__ == "__main__":
    main()
