"""A real PostgreSQL on 127.0.0.1 for tests: Debian's, a free port, a temporary data folder.

It runs as the `postgres` user when the tests run as root (scripts/local_servers.py), so its
folder lives in a directory of its own under /tmp that this user can reach. Tests skip with a
reason when PostgreSQL is not installed, which happens only outside `make test`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

from scripts import local_servers
from scripts.supervise import popen_account
from tests.support.servers import free_port


def available() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/postgres"))


class RunningPostgres:
    def __init__(self, data_dir: Path, port: int, password: str, log: Path) -> None:
        self.data_dir, self.port, self.password, self.log = data_dir, port, password, log
        self.url = local_servers.postgres_url(port, password)
        self.process: subprocess.Popen = None  # type: ignore[assignment]

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                local_servers.postgres_command(self.data_dir, self.port), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                **popen_account(local_servers.server_user()))
        # pg_isready, not an open port: the port opens before the server takes sessions
        # ("the database system is starting up")
        deadline = time.monotonic() + timeout
        ready = [str(local_servers.postgres_bin() / "pg_isready"), "-q", "-h", "127.0.0.1",
                 "-p", str(self.port)]
        while subprocess.run(ready, timeout=30).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not become ready; see {self.log}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open sessions are ended, as a restart by ops would."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextlib.contextmanager
def postgres_server() -> Iterator[RunningPostgres]:
    base = Path(tempfile.mkdtemp(prefix="liege-test-pg-"))
    base.chmod(0o755)
    try:
        password = secrets.token_hex(16)
        local_servers.prepare_postgres(base / "data", password)
        server = RunningPostgres(base / "data", free_port(), password, base / "postgres.log")
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
