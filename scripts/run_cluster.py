"""`make cluster`: the scaled-out topology on one machine, kept running like `make run`.

    .venv/bin/python scripts/run_cluster.py RUN_DIR

PostgreSQL (conversations, data under RUN_DIR/postgres, kept across runs), redis-server
(conversation locks and the channels' memory), one action server, RASA_SERVERS rasa servers
(default 2) on RASA_PORT, RASA_PORT+1…, nginx on LB_PORT in front of them (REST and the API
to the least busy server, socket.io sticky), and the widget page pointed at nginx.
scripts/supervise.py starts them, restarts one that dies and stops them all on Ctrl-C.

With TRACKER_STORE_URL set to a postgresql:// URL, or LOCK_STORE_URL to a redis:// URL, those
servers are used and not started here. Otherwise the database role's and Redis's passwords
are drawn at each start and reach the servers through their environment or standard input
only. scripts/cluster.sh calls this once the settings are checked.
"""

from __future__ import annotations

import functools
import secrets
import signal
import sys
from pathlib import Path
from typing import Dict, List, Mapping

import local_servers
from run_assistant import (action_service, rasa_service, retention_service, run_supervised,
                           setting, web_service)
from supervise import Service, format_window


def settings(env: Mapping[str, str]) -> Dict[str, str]:
    servers = setting(env, "RASA_SERVERS", 2, minimum=1)
    first = setting(env, "RASA_PORT", 5005, minimum=1)
    return {"servers": str(servers), "first_port": str(first),
            "lb_port": str(setting(env, "LB_PORT", 8000, minimum=1)),
            "pg_port": str(setting(env, "PG_PORT", 5433, minimum=1)),
            "redis_port": str(setting(env, "REDIS_PORT", 6380, minimum=1))}


def external_stores(env: Mapping[str, str]) -> Dict[str, str]:
    """TRACKER_STORE_URL / LOCK_STORE_URL when they name servers of the city's own, which
    `make cluster` then uses instead of starting PostgreSQL / Redis."""
    urls = {"TRACKER_STORE_URL": ("postgresql://", "postgres://"),
            "LOCK_STORE_URL": ("redis://", "rediss://", "unix://")}
    return {name: env[name] for name, schemes in urls.items()
            if env.get(name, "").startswith(schemes)}


def services(env: Mapping[str, str], token: str, run_dir: Path) -> List[Service]:
    conf = settings(env)
    rasa_ports = [int(conf["first_port"]) + n for n in range(int(conf["servers"]))]
    parts: List[Service] = []
    external = external_stores(env)
    server_env = dict(env, SANIC_WORKERS=env.get("CLUSTER_SANIC_WORKERS", "1"), **external)

    if "TRACKER_STORE_URL" not in external:
        password = secrets.token_hex(24)
        data_dir = run_dir / "postgres"
        local_servers.prepare_postgres(data_dir, password)
        port = int(conf["pg_port"])
        parts.append(Service("PostgreSQL", local_servers.postgres_command(data_dir, port),
                             run_dir / "postgres.log", f"tcp://127.0.0.1:{port}",
                             start_timeout=60, env=_without_secrets(env),
                             user=local_servers.server_user(), stop_signal=signal.SIGINT))
        server_env["TRACKER_STORE_URL"] = local_servers.postgres_url(port, password)

    if "LOCK_STORE_URL" not in external:
        password = secrets.token_hex(24)
        port = int(conf["redis_port"])
        parts.append(Service("Redis", local_servers.redis_command(), run_dir / "redis.log",
                             f"tcp://127.0.0.1:{port}", start_timeout=30,
                             env=_without_secrets(env),
                             stdin_text=local_servers.redis_config(port, password, run_dir)))
        server_env["LOCK_STORE_URL"] = local_servers.redis_url(port, password)

    parts.append(action_service(env, run_dir))
    for number, port in enumerate(rasa_ports, start=1):
        parts.append(rasa_service(env, token, run_dir, str(port), name=f"rasa server {number}",
                                  log_name=f"rasa-{number}", server_env=server_env))
    listen = f"{env.get('BIND_INTERFACE', '0.0.0.0')}:{conf['lb_port']}"
    config = local_servers.prepare_nginx(run_dir, listen, rasa_ports)
    parts.append(Service("load balancer (nginx)", local_servers.nginx_command(config),
                         run_dir / "nginx.log", f"http://127.0.0.1:{conf['lb_port']}/",
                         start_timeout=300, env=_without_secrets(env)))
    parts.append(web_service(env, run_dir, f"http://localhost:{conf['lb_port']}"))
    parts.append(retention_service(run_dir, server_env))
    return parts


def _without_secrets(env: Mapping[str, str]) -> Dict[str, str]:
    """What PostgreSQL, Redis and nginx get: none of the assistant's secrets."""
    return {key: value for key, value in env.items()
            if key not in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "RASA_API_TOKEN")
            and not key.startswith(("FB_", "X_"))}


def banner(env: Mapping[str, str], token: str, token_note: str, seconds: float,
           limit: int, window: float, run_dir: Path = Path(".run/cluster")) -> str:
    conf = settings(env)
    lb, first, count = conf["lb_port"], int(conf["first_port"]), int(conf["servers"])
    rasa = ", ".join(f"http://localhost:{first + n}" for n in range(count))
    external = external_stores(env)
    tracker = ("PostgreSQL at TRACKER_STORE_URL" if "TRACKER_STORE_URL" in external
               else f"PostgreSQL on 127.0.0.1:{conf['pg_port']} (data: {run_dir / 'postgres'})")
    locks = ("Redis at LOCK_STORE_URL" if "LOCK_STORE_URL" in external
             else f"Redis on 127.0.0.1:{conf['redis_port']}")
    return f"""
The assistant's cluster is ready ({seconds:.0f} s).
  Chat widget page : http://localhost:{env['WEB_PORT']}
  Load balancer    : http://localhost:{lb}  (nginx: REST, socket.io, HTTP API)
  REST channel     : http://localhost:{lb}/webhooks/rest/webhook
  rasa servers     : {rasa}
  HTTP API token   : {token} {token_note}
  Conversations    : {tracker}
  Locks            : {locks}
  Action server    : http://localhost:{env['ACTION_PORT']}/health
Conversations older than {env.get("RETENTION_DAYS") or 90} days are deleted daily \
(RETENTION_DAYS; log: {run_dir / 'retention.log'}).
A server that stops is restarted, at most {limit} times in {format_window(window)} \
(RESTART_LIMIT, RESTART_WINDOW).
Try: curl -s localhost:{lb}/webhooks/rest/webhook -d '{{"sender":"moi","message":"Bonjour"}}'
Press Ctrl-C to stop."""


def main(argv: List[str]) -> int:
    run_dir = Path(argv[1] if len(argv) > 1 else ".run/cluster").resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)  # PostgreSQL's user reaches its data folder through it
    return run_supervised(run_dir, services, functools.partial(banner, run_dir=run_dir))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
