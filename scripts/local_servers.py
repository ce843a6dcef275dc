"""Debian's PostgreSQL, redis-server and nginx run by the project itself, on loopback ports.

`make cluster` (scripts/run_cluster.py) and the tests (tests/support/postgres_server.py,
tests/unit/test_deploy.py) use them. Standard library only. Secrets (the database role's and
Redis's passwords) go to the servers through their standard input, never through a file or a
command line.

PostgreSQL refuses to run as root: when this runs as root, its data folder belongs to the
`postgres` user, its one-off commands (initdb, single-user mode) run through `runuser`, and
its server is started as that user by its caller (`server_user()`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path
from typing import List, Optional

ROLE = DATABASE = "rasa"


def postgres_bin() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin (PG_BIN overrides)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda path: int(Path(path).parts[-3]))
    if not found:
        raise SystemExit("error: PostgreSQL is not installed (apt-get install postgresql)")
    return Path(found[-1]).parent


def as_postgres_user(command: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


def prepare_postgres(data_dir: Path, password: str) -> None:
    """Creates the database cluster once (data kept across runs), then the `rasa` role (its
    password set anew) and database, in single-user mode: no server, nothing on disk in clear."""
    bin_dir = postgres_bin()
    clear_stale_lock(data_dir)
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        _give_to_postgres(data_dir)
        subprocess.run(as_postgres_user(
            [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "-E", "UTF8",
             "--locale", "C", "--auth-local", "peer", "--auth-host", "scram-sha-256"]),
            check=True, capture_output=True, text=True, timeout=120)
    escaped = password.replace("'", "''")
    single(data_dir, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rasa') "
                     "THEN CREATE ROLE rasa LOGIN; END IF; END $$;\n"
                     f"ALTER ROLE rasa PASSWORD '{escaped}';\n")
    if f'"{DATABASE}"' not in single(data_dir, f"SELECT datname FROM pg_database "
                                               f"WHERE datname = '{DATABASE}';\n"):
        single(data_dir, f"CREATE DATABASE {DATABASE} OWNER {ROLE};\n")


def single(data_dir: Path, sql: str) -> str:
    """Runs `sql` (one statement per line) in PostgreSQL's single-user mode; its output."""
    done = subprocess.run(as_postgres_user(
        [str(postgres_bin() / "postgres"), "--single", "-D", str(data_dir), "postgres"]),
        input=sql, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or "ERROR:" in done.stderr:
        raise RuntimeError(f"PostgreSQL single-user mode failed: {done.stderr[-1000:]}")
    return done.stdout


def postgres_command(data_dir: Path, port: int) -> List[str]:
    """The server in the foreground, on 127.0.0.1:`port`, its socket in its data folder. Run
    it as `server_user()`, and stop it with SIGINT (fast shutdown: it ends the sessions rather
    than waiting for them).

    `synchronous_commit=off`: a commit (one per turn) returns before its journal reaches the
    disk, as `make run`'s SQLite does (WAL, synchronous=NORMAL). A crash of the machine may
    lose the last fraction of a second of turns, never corrupt the database; meanwhile a rasa
    server no longer waits about 1 ms per turn with its event loop blocked."""
    return [str(postgres_bin() / "postgres"), "-D", str(data_dir), "-p", str(port),
            "-k", str(data_dir), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
            "-c", "synchronous_commit=off"]


def server_user() -> Optional[str]:
    """The account PostgreSQL's server runs as: `postgres` when this runs as root (it refuses
    root), else this account. Given to Popen (`user=`) rather than through `runuser`, which
    would answer a stop with SIGTERM (PostgreSQL's slow "smart" shutdown), then SIGKILL."""
    return "postgres" if os.geteuid() == 0 else None


def clear_stale_lock(data_dir: Path, wait: float = 30.0) -> None:
    """A previous server of this folder that is still stopping is waited for; the lock file of
    one that died without a parent to reap it (a zombie, which PostgreSQL takes for alive)
    is removed."""
    lock = data_dir / "postmaster.pid"
    deadline = time.monotonic() + wait
    while lock.exists():
        try:
            pid = int(lock.read_text().split()[0])
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
        except (OSError, ValueError, IndexError):  # no such process: PostgreSQL clears it
            return
        if state == "Z":
            lock.unlink(missing_ok=True)
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL (pid {pid}) still runs on {data_dir}: stop it first")
        time.sleep(0.2)


def postgres_url(port: int, password: str) -> str:
    return f"postgresql://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}"


def redis_command() -> List[str]:
    """redis-server reading its configuration (`redis_config`) from its standard input."""
    return [shutil.which("redis-server") or "/usr/bin/redis-server", "-"]


def redis_config(port: int, password: str, data_dir: Path) -> str:
    # locks and channel memory are short-lived: no persistence
    return (f"port {port}\nbind 127.0.0.1\nrequirepass {password}\nsave \"\"\n"
            f"appendonly no\ndir {data_dir}\n")


def redis_url(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/1"


def nginx_config(run_dir: Path, listen: str, rasa_ports: List[int]) -> str:
    """nginx in front of the rasa servers: REST and the API to the least busy, socket.io
    sticky."""
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n"
                      for port in rasa_ports)
    temp = run_dir / "nginx-temp"
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    return f"""# Written by scripts/local_servers.py for `make cluster`; rewritten at each start.
{user}worker_processes 1;
daemon off;
pid {run_dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  client_max_body_size 1m;
  # REST, webhooks and the HTTP API: any server (conversations are in PostgreSQL, locks in
  # Redis), the one with the fewest requests under way (a turn's cost varies: round-robin
  # left one server idle while the other had a queue). A server that refuses the connection
  # is skipped; a request already sent is not sent twice (nginx never retries a POST that
  # reached a server).
  upstream rasa {{
    least_conn;
{servers}    keepalive 32;
  }}
  # socket.io: one server per client address, since long-polling sessions live in one server.
  upstream rasa_socketio {{
    ip_hash;
{servers}  }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen {listen};
    location /socket.io/ {{
      proxy_pass http://rasa_socketio;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
    }}
    location / {{
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_read_timeout 120s;
    }}
  }}
}}
"""


def nginx_command(config: Path) -> List[str]:
    return [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(config),
            "-e", "stderr"]


def prepare_nginx(run_dir: Path, listen: str, rasa_ports: List[int]) -> Path:
    temp = run_dir / "nginx-temp"
    temp.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # nginx's workers run as nobody
        user = pwd.getpwnam("nobody")
        os.chown(temp, user.pw_uid, user.pw_gid)
    config = run_dir / "nginx.conf"
    config.write_text(nginx_config(run_dir, listen, rasa_ports))
    return config

