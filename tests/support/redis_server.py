"""A real redis-server on 127.0.0.1 for tests: a free port, a temporary folder, no persistence.

Debian's redis-server (`make test-deps` installs it when missing). Tests that need it skip with
a clear reason when it is absent, which happens only outside `make test`.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, Optional

from tests.support.servers import free_port, wait_for_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def available() -> bool:
    return Path(REDIS_SERVER).exists()


class RunningRedis:
    """A redis-server that a test can stop and start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.log = workdir / f"redis-{self.port}.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, self.process, self.log, "redis-server", timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_redis(workdir: Path) -> Iterator[RunningRedis]:
    server = RunningRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Runs redis-server until the block ends; yields its url (database 1)."""
    with running_redis(workdir) as server:
        yield server.url
