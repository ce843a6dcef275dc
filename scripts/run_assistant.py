"""The servers of `make run`, kept running: action server, rasa server, widget page.

    .venv/bin/python scripts/run_assistant.py RUN_DIR

scripts/run.sh calls it once the settings are checked and RUN_DIR/credentials.yml is rendered.
Settings come from the environment (defaults in the Makefile): ACTION_PORT, RASA_PORT,
WEB_PORT, MODEL, CORS_ORIGINS, BIND_INTERFACE, RASA_API_TOKEN (random when unset), and
RESTART_LIMIT restarts of a server per RESTART_WINDOW seconds (see scripts/supervise.py).
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from typing import List, Mapping

from supervise import Service, Supervisor, format_window

BIN = Path(".venv/bin")


def services(env: Mapping[str, str], token: str, run_dir: Path) -> List[Service]:
    action_port, rasa_port, web_port = env["ACTION_PORT"], env["RASA_PORT"], env["WEB_PORT"]
    return [
        Service("action server",
                # rasa_sdk's own server: what `rasa run actions` runs, without importing rasa
                [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", action_port],
                run_dir / "actions.log", f"http://127.0.0.1:{action_port}/health",
                start_timeout=60),
        Service("rasa server",
                [str(BIN / "python"), "scripts/rasa_cli.py", "run", "--model", env["MODEL"],
                 "--interface", env.get("BIND_INTERFACE", "0.0.0.0"), "--port", rasa_port,
                 "--enable-api", "--auth-token", token, "--cors", *env["CORS_ORIGINS"].split(),
                 "--endpoints", "endpoints.yml", "--credentials",
                 str(run_dir / "credentials.yml")],
                run_dir / "rasa.log", f"http://127.0.0.1:{rasa_port}/status?token={token}",
                start_timeout=300),  # about 18 s on an idle 2-core machine, much more on a busy one
        Service("widget page",
                [str(BIN / "python"), "web/serve.py", "--port", web_port,
                 "--rasa-url", f"http://localhost:{rasa_port}"],
                run_dir / "web.log", f"http://127.0.0.1:{web_port}/", start_timeout=30),
    ]


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


def main(argv: List[str]) -> int:
    started = time.monotonic()
    env = os.environ
    run_dir = Path(argv[1] if len(argv) > 1 else ".run")
    limit = setting(env, "RESTART_LIMIT", 5, minimum=0)
    window = setting(env, "RESTART_WINDOW", 600, minimum=1)
    token = env.get("RASA_API_TOKEN", "")
    token_note = "(from RASA_API_TOKEN)"
    if not token:
        token = secrets.token_urlsafe(24)
        token_note = "(generated for this run; set RASA_API_TOKEN to choose it)"

    supervisor = Supervisor(services(env, token, run_dir), limit, window)
    supervisor.stop_on_signals()
    return supervisor.run(on_ready=lambda: print(
        banner(env, token, token_note, time.monotonic() - started, limit, window), flush=True))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
