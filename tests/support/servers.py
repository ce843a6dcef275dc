"""Real servers on 127.0.0.1 for integration tests: the action server and the rasa server.

Each runs as a subprocess of the test session with the project's venv, on a free port, and is
stopped at the end. Logs go to files under the session's temporary directory so that a failing
test can show them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MODEL_PATH = PROJECT_ROOT / "models" / "liege.tar.gz"
# How the project starts rasa: its command line with the fixes of rasa_extensions/rasa_fixes.py.
RASA_CLI = [str(VENV_BIN / "python"), str(PROJECT_ROOT / "scripts" / "rasa_cli.py")]
API_TOKEN = "test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_pair() -> int:
    """A free port whose next one is free too (two rasa servers on RASA_PORT, RASA_PORT+1)."""
    while True:
        port = free_port()
        with contextlib.suppress(OSError), socket.socket() as probe:
            probe.bind(("127.0.0.1", port + 1))
            return port


CLUSTER_PORTS = ("RASA_PORT", "ACTION_PORT", "WEB_PORT", "LB_PORT", "PG_PORT", "REDIS_PORT")


def cluster_ports() -> Dict[str, str]:
    """Free loopback ports for `make cluster`'s settings (two rasa servers from RASA_PORT)."""
    found = {name: str(free_port()) for name in CLUSTER_PORTS}
    found["RASA_PORT"] = str(free_port_pair())
    return found


def make_cluster_env(ports: Dict[str, str], run_dir: Path, token: str,
                     rasa_servers: int = 2) -> Dict[str, str]:
    """The environment a test or benchmark runs `make cluster` in: its own PostgreSQL and
    Redis (the caller's stores unset), channels off, the default restart limit."""
    env = dict(os.environ, **ports, CLUSTER_RUN_DIR=str(run_dir),
               RASA_SERVERS=str(rasa_servers), RASA_API_TOKEN=token)
    for name in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "FB_VERIFY_TOKEN", "FB_APP_SECRET",
                 "FB_PAGE_ACCESS_TOKEN", "X_CONSUMER_KEY", "MAKEFLAGS", "RESTART_LIMIT"):
        env.pop(name, None)
    return env


def wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str,
                  timeout: float) -> None:
    """Until 127.0.0.1:`port` accepts a connection; RuntimeError naming `log` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start; see {log}")
        time.sleep(0.05)


def http_json(method: str, url: str, body: Any = None, timeout: float = 30.0,
              headers: Optional[Dict[str, str]] = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout:.0f}s:\n{tail(log)}")


def tail(log: Path, lines: int = 60) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class RunningServer:
    url: str
    port: int
    log: Path
    process: subprocess.Popen
    tracker_db: Optional[Path] = None  # a rasa server's SQLite tracker store


@contextlib.contextmanager
def _process(cmd: List[str], env: Dict[str, str], log: Path, health_url: str,
             timeout: float) -> Iterator[subprocess.Popen]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as log_file:
        process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(health_url, process, log, timeout)
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    # One rasa worker unless a test asks for more: each worker loads the whole model.
    env.update({"PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "SANIC_WORKERS": "1"})
    env.update(extra or {})
    return env


@contextlib.contextmanager
def action_server(workdir: Path, env: Optional[Dict[str, str]] = None,
                  timeout: float = 60.0, port: Optional[int] = None) -> Iterator[RunningServer]:
    port = port or free_port()
    log = workdir / f"actions-{port}.log"
    # rasa_sdk's own server, as `make run` starts it (`rasa run actions` without rasa's imports)
    cmd = [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    with _process(cmd, base_env(env), log, f"http://127.0.0.1:{port}/health", timeout) as proc:
        yield RunningServer(f"http://127.0.0.1:{port}", port, log, proc)


PROJECT_ENDPOINTS = PROJECT_ROOT / "endpoints.yml"


def project_credentials(env: Dict[str, str]) -> str:
    """The project's credentials.yml as `make run` renders it for this environment."""
    from connectors.credentials import render

    rendered, _ = render((PROJECT_ROOT / "credentials.yml").read_text(), env)
    return rendered


@contextlib.contextmanager
def rasa_server(workdir: Path, action_url: str, credentials: Optional[str] = None,
                env: Optional[Dict[str, str]] = None, model: Path = MODEL_PATH,
                tracker_db: Optional[Path] = None, port: Optional[int] = None,
                timeout: float = 180.0) -> Iterator[RunningServer]:
    """A rasa server with the HTTP API (token API_TOKEN) and an SQLite tracker store.

    Its channels are the project's credentials.yml rendered for `env` (so channels whose
    secrets are unset are off), unless `credentials` gives another file's text.
    """
    if not model.exists():
        raise FileNotFoundError(f"{model} is missing: run `make train` first")
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    tracker_db = tracker_db or workdir / f"tracker-{port}.db"
    # The project's endpoints.yml, as `make run` uses it, filled through its variables.
    server_env = base_env({"ACTION_ENDPOINT_URL": f"{action_url}/webhook",
                           "TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
                           "LOCK_STORE_URL": f"sqlite:///{workdir}/locks-{port}.db",
                           **(env or {})})
    credentials_file = workdir / f"credentials-{port}.yml"
    credentials_file.write_text(credentials if credentials is not None
                                else project_credentials(server_env))
    log = workdir / f"rasa-{port}.log"
    cmd = [*RASA_CLI, "run", "--model", str(model), "--port", str(port),
           "--interface", "127.0.0.1", "--enable-api", "--auth-token", API_TOKEN,
           "--endpoints", str(PROJECT_ENDPOINTS), "--credentials", str(credentials_file),
           "--cors", *(server_env.get("CORS_ORIGINS") or "*").split()]
    health = f"http://127.0.0.1:{port}/status?token={API_TOKEN}"
    with _process(cmd, server_env, log, health, timeout) as proc:
        yield RunningServer(f"http://127.0.0.1:{port}", port, log, proc, tracker_db)


def rest_send(server_url: str, sender: str, text: str, metadata: Optional[dict] = None,
              timeout: float = 30.0) -> List[Dict[str, Any]]:
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    return http_json("POST", f"{server_url}/webhooks/rest/webhook", body, timeout) or []


def stored_rows(server: RunningServer, sender: str) -> List[str]:
    """The `data` column of a conversation's rows in the server's SQLite tracker store, as
    stored (read-only: the server keeps writing)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{server.tracker_db}?mode=ro",
                                            uri=True)) as connection:
        return [data for (data,) in connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def tracker(server_url: str, sender: str) -> Dict[str, Any]:
    return http_json("GET", f"{server_url}/conversations/{sender}/tracker?token={API_TOKEN}")
