"""The servers of `make run`, kept running: action server, rasa server, widget page.

    .venv/bin/python scripts/run_assistant.py RUN_DIR

scripts/run.sh calls it once the settings are checked and RUN_DIR/credentials.yml is rendered.
Settings come from the environment (defaults in the Makefile): ACTION_PORT, RASA_PORT,
WEB_PORT, MODEL, CORS_ORIGINS, BIND_INTERFACE, RASA_API_TOKEN (random when unset),
RETENTION_DAYS (the daily purge), and RESTART_LIMIT restarts of a server per RESTART_WINDOW
seconds (see scripts/supervise.py).
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from typing import Callable, List, Mapping, Optional

from supervise import Service, Supervisor, format_window

BIN = Path(".venv/bin")


def action_service(env: Mapping[str, str], run_dir: Path) -> Service:
    action_port = env["ACTION_PORT"]
    # rasa_sdk's own server: what `rasa run actions` runs, without importing rasa
    return Service("action server",
                   [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions",
                    "--port", action_port],
                   run_dir / "actions.log", f"http://127.0.0.1:{action_port}/health",
                   start_timeout=60)


def rasa_service(env: Mapping[str, str], token: str, run_dir: Path, port: str,
                 name: str = "rasa server", log_name: str = "rasa",
                 server_env: Optional[Mapping[str, str]] = None) -> Service:
    return Service(name,
                   [str(BIN / "python"), "scripts/rasa_cli.py", "run", "--model", env["MODEL"],
                    "--interface", env.get("BIND_INTERFACE", "0.0.0.0"), "--port", port,
                    "--enable-api", "--auth-token", token, "--cors",
                    *env["CORS_ORIGINS"].split(), "--endpoints", "endpoints.yml",
                    "--credentials", str(run_dir / "credentials.yml")],
                   run_dir / f"{log_name}.log", f"http://127.0.0.1:{port}/status?token={token}",
                   # about 14 s on an idle 2-core machine, much more on a busy one
                   start_timeout=300, env=server_env)


def web_service(env: Mapping[str, str], run_dir: Path, rasa_url: str) -> Service:
    web_port = env["WEB_PORT"]
    return Service("widget page",
                   [str(BIN / "python"), "web/serve.py", "--port", web_port,
                    "--rasa-url", rasa_url],
                   run_dir / "web.log", f"http://127.0.0.1:{web_port}/", start_timeout=30)


def retention_service(run_dir: Path, env: Optional[Mapping[str, str]] = None) -> Service:
    """Deletes conversations older than RETENTION_DAYS a minute after the start, then daily
    (rasa_extensions/citizen_data.py); `env`: the rasa servers' (their TRACKER_STORE_URL)."""
    return Service("daily purge (RETENTION_DAYS)",
                   [str(BIN / "python"), "-m", "rasa_extensions.citizen_data", "purge-daily"],
                   run_dir / "retention.log", "", start_timeout=30, env=env)


def services(env: Mapping[str, str], token: str, run_dir: Path) -> List[Service]:
    return [action_service(env, run_dir),
            rasa_service(env, token, run_dir, env["RASA_PORT"]),
            web_service(env, run_dir, f"http://localhost:{env['RASA_PORT']}"),
            retention_service(run_dir)]


def banner(env: Mapping[str, str], token: str, token_note: str, seconds: float,
           limit: int, window: float) -> str:
    web, rasa, action = env["WEB_PORT"], env["RASA_PORT"], env["ACTION_PORT"]
    return f"""
The assistant is ready ({seconds:.0f} s).
  Chat widget page : http://localhost:{web}
  REST channel     : http://localhost:{rasa}/webhooks/rest/webhook
  socket.io        : http://localhost:{rasa}/socket.io
  HTTP API         : http://localhost:{rasa}  token: {token} {token_note}
  Action server    : http://localhost:{action}/health
Conversations older than {env.get("RETENTION_DAYS") or 90} days are deleted daily \
(RETENTION_DAYS; log: .run/retention.log).
A server that stops is restarted, at most {limit} times in {format_window(window)} \
(RESTART_LIMIT, RESTART_WINDOW).
Try: curl -s localhost:{rasa}/webhooks/rest/webhook -d '{{"sender":"moi","message":"Bonjour"}}'
Press Ctrl-C to stop."""


def setting(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SystemExit(f"error: {name} must be a whole number ≥ {minimum}, not {raw!r}")
    return value


def run_supervised(run_dir: Path, make_services: Callable[..., List[Service]],
              make_banner: Callable[..., str]) -> int:
    """Runs the services `make_services(env, token, run_dir)` gives until Ctrl-C, printing
    `make_banner(env, token, token_note, seconds, limit, window)` once all answer."""
    started = time.monotonic()
    env = dict(os.environ)
    limit = setting(env, "RESTART_LIMIT", 5, minimum=0)
    window = setting(env, "RESTART_WINDOW", 600, minimum=1)
    setting(env, "RETENTION_DAYS", 90, minimum=1)  # checked before anything starts
    token = env.get("RASA_API_TOKEN", "")
    token_note = "(from RASA_API_TOKEN)"
    if not token:
        token = secrets.token_urlsafe(24)
        token_note = "(generated for this run; set RASA_API_TOKEN to choose it)"

    supervisor = Supervisor(make_services(env, token, run_dir), limit, window)
    supervisor.stop_on_signals()
    return supervisor.run(on_ready=lambda: print(
        make_banner(env, token, token_note, time.monotonic() - started, limit, window),
        flush=True))


def main(argv: List[str]) -> int:
    return run_supervised(Path(argv[1] if len(argv) > 1 else ".run"), services, banner)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
