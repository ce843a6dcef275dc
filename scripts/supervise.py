"""Keeps long-running servers up: starts them, waits until they answer, restarts one that dies.

`make run` uses it (through scripts/run_assistant.py) so that one server dying, e.g. the rasa
server killed by the kernel for lack of memory, does not stop the whole assistant. Restarts are
bounded like systemd's StartLimitBurst: at most `limit` restarts of a server in any `window`
seconds, then it gives up, stops everything and fails. A server that fails during the first
start fails at once, with the end of its log. Standard library only.
"""

from __future__ import annotations

import collections
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Deque, Mapping, Optional, Sequence, TextIO

STOP_GRACE = 10.0  # seconds a server has to stop on SIGTERM before SIGKILL
LOG_TAIL_LINES = 30


@dataclass(frozen=True)
class Service:
    """A server: how to start it, where it logs, and the URL that answers once it is up."""

    name: str  # "rasa server", as written in every message
    command: Sequence[str]
    log: Path  # truncated at the first start, appended across restarts
    # http://… (a 2xx answer), tcp://host:port (accepts a connection), or "" for a worker that
    # serves nothing (up once started, as long as it runs)
    health_url: str
    start_timeout: float  # seconds it has to answer at health_url after each start
    env: Optional[Mapping[str, str]] = None  # the environment, when not the supervisor's
    stdin_text: Optional[str] = None  # written to its standard input at each start (secrets)
    user: Optional[str] = None  # the account it runs as, when not the supervisor's
    stop_signal: int = signal.SIGTERM  # PostgreSQL: SIGINT, its fast shutdown

    @property
    def pid_file(self) -> Path:
        """Holds the current pid (`.run/rasa.pid` beside `.run/rasa.log`), for ops and tests."""
        return self.log.with_suffix(".pid")


class RestartBudget:
    """At most `limit` restarts in any `window` seconds (systemd's StartLimitBurst/IntervalSec)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._restarts: Deque[float] = collections.deque()

    def used(self) -> int:
        """Restarts within the last `window` seconds."""
        self._forget_old()
        return len(self._restarts)

    def take(self) -> bool:
        """Counts one restart now; False, counting nothing, when the budget is spent."""
        self._forget_old()
        if len(self._restarts) >= self.limit:
            return False
        self._restarts.append(self._clock())
        return True

    def _forget_old(self) -> None:
        horizon = self._clock() - self.window
        while self._restarts and self._restarts[0] <= horizon:
            self._restarts.popleft()


def restart_delay(restart_number: int, first: float = 1.0, longest: float = 30.0) -> float:
    """1 s before the first restart in the window, then 2, 4, 8…: a crash loop does not spin."""
    return min(first * 2 ** (restart_number - 1), longest)


def format_window(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"


def oom_killed_in(kernel_log: str, pid: int) -> bool:
    """Whether the kernel log says its OOM killer (global or cgroup MemoryMax) killed `pid`."""
    return re.search(rf"Killed process {pid}\b", kernel_log) is not None


def kernel_oom_killed(pid: int) -> Optional[bool]:
    """Asks `dmesg`; None when it cannot be read (not root, dmesg_restrict, no dmesg)."""
    try:
        result = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=3)
    except (OSError, subprocess.SubprocessError):
        return None
    return oom_killed_in(result.stdout, pid) if result.returncode == 0 else None


def describe_exit(returncode: int, oom_killed: Optional[bool] = None) -> str:
    """Why a process ended, in words: "exit status 3", "killed by SIGKILL (signal 9) — …"."""
    if returncode >= 0:
        return f"exit status {returncode}"
    number = -returncode
    try:
        text = f"killed by {signal.Signals(number).name} (signal {number})"
    except ValueError:
        text = f"killed by signal {number}"
    if number != signal.SIGKILL:
        return text
    if oom_killed:
        return f"{text}: out of memory, the kernel's OOM killer chose it (dmesg)"
    if oom_killed is None:
        return f"{text} — out of memory? The kernel's OOM killer sends SIGKILL"
    return f"{text}, not by the kernel's OOM killer (nothing in dmesg)"


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def answers(url: str, timeout: float = 2.0) -> bool:
    if not url:
        return True
    if url.startswith("tcp://"):
        host, _, port = url[len("tcp://"):].rstrip("/").rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout):
                return True
        except OSError:
            return False
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except (urllib.error.URLError, OSError):  # refused, timed out, or an HTTP error status
        return False


def _load_prctl() -> Optional[Callable[..., int]]:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_supervisor() -> None:
    """Runs in the child before exec. Servers live in their own process group (so Ctrl-C reaches
    the supervisor only, which stops them in order); if the supervisor itself is killed, the
    kernel sends them SIGTERM instead of leaving them holding the ports."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class GiveUp(Exception):
    """A server failed at its first start, or too often: everything stops. Message for ops."""


STARTING, UP, WAITING = "starting", "up", "waiting to restart"


class _Child:
    """A service and its current process; `deadline` is when it must answer (starting) or when
    to restart it (waiting)."""

    def __init__(self, service: Service, budget: RestartBudget):
        self.service = service
        self.budget = budget
        self.process: Optional[subprocess.Popen] = None
        self.state = STARTING
        self.started_at = 0.0
        self.deadline = 0.0
        self.last_failure = ""  # "exited: exit status 3", "did not answer at … within 120 s"


class Supervisor:
    """Runs `services` until request_stop() (or a signal, after stop_on_signals()).

    run() starts them all, calls on_ready() once all answer, then restarts any that exits,
    each within its own RestartBudget(limit, window).
    """

    def __init__(self, services: Sequence[Service], limit: int, window: float, *,
                 first_delay: float = 1.0, poll_interval: float = 0.5,
                 out: Optional[TextIO] = None, err: Optional[TextIO] = None):
        self.limit, self.window = limit, window
        self.first_delay = first_delay
        self.poll_interval = poll_interval
        self._out, self._err = out or sys.stdout, err or sys.stderr
        self._children = [_Child(service, RestartBudget(limit, window)) for service in services]
        self._stop_requested = False

    def request_stop(self) -> None:
        """Only sets a flag, so it is safe in a signal handler or from another thread."""
        self._stop_requested = True

    def stop_on_signals(self) -> None:
        """Ctrl-C, SIGTERM (make, systemd, docker) and SIGHUP (terminal closed) stop cleanly."""
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda *_: self.request_stop())

    def run(self, on_ready: Callable[[], None] = lambda: None) -> int:
        """0 after a requested stop, 1 when a server failed to start or exhausted its budget."""
        ready = False
        try:
            for child in self._children:
                self._say(f"Starting the {child.service.name} (log: {child.service.log})…")
                self._spawn(child, first=True)
            while not self._stop_requested:
                for child in self._children:
                    self._tick(child, serving=ready)
                if not ready and all(child.state == UP for child in self._children):
                    ready = True
                    on_ready()
                time.sleep(self.poll_interval)
        except GiveUp as failure:
            self._say(str(failure), error=True)
            self._stop_all()
            return 1
        self._stop_all()
        return 0

    # --- one process's life ----------------------------------------------------------------

    def _spawn(self, child: _Child, first: bool) -> None:
        service = child.service
        service.log.parent.mkdir(parents=True, exist_ok=True)
        with open(service.log, "w" if first else "a") as log:
            if not first:
                log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} restarted by the "
                          f"supervisor; it {child.last_failure} ---\n")
                log.flush()
            try:
                child.process = subprocess.Popen(
                    list(service.command),
                    stdin=subprocess.DEVNULL if service.stdin_text is None else subprocess.PIPE,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_supervisor,
                    env=None if service.env is None else dict(service.env),
                    **popen_account(service.user))
                if service.stdin_text is not None:
                    child.process.stdin.write(service.stdin_text.encode())
                    child.process.stdin.close()
            except OSError as error:
                raise GiveUp(f"error: cannot start the {service.name}: {error}") from error
        service.pid_file.write_text(f"{child.process.pid}\n")
        child.state = STARTING
        child.started_at = time.monotonic()
        child.deadline = child.started_at + service.start_timeout

    def _tick(self, child: _Child, serving: bool) -> None:
        now = time.monotonic()
        if child.state == WAITING:
            if now >= child.deadline:
                self._spawn(child, first=False)
            return
        returncode = child.process.poll()
        if returncode is not None:
            oom = kernel_oom_killed(child.process.pid) if returncode == -signal.SIGKILL else None
            self._on_failure(child, f"exited: {describe_exit(returncode, oom)}", serving)
        elif child.state == STARTING:
            if answers(child.service.health_url):
                child.state = UP
                if serving:
                    self._say(f"{_clock()} The {child.service.name} is back "
                              f"({now - child.started_at:.0f} s after its restart).")
            elif now >= child.deadline:
                _stop_group(child.process, child.service.stop_signal)
                self._on_failure(child, f"did not answer at {child.service.health_url} within "
                                     f"{child.service.start_timeout:g} s", serving)

    def _on_failure(self, child: _Child, failure: str, serving: bool) -> None:
        service = child.service
        _kill_group(child.process.pid, signal.SIGKILL)  # what it left behind would hold ports
        child.last_failure = failure
        if not serving:
            raise GiveUp(f"error: while starting, the {service.name} {failure}. "
                               f"Last lines of {service.log}:\n{log_tail(service.log)}")
        if not child.budget.take():
            raise GiveUp(
                f"error: the {service.name} {failure}. It was already restarted "
                f"{self.limit} times in {format_window(self.window)}: giving up (RESTART_LIMIT="
                f"{self.limit}, RESTART_WINDOW={self.window:g}). Last lines of "
                f"{service.log}:\n{log_tail(service.log)}")
        number = child.budget.used()
        delay = restart_delay(number, self.first_delay)
        self._say(f"{_clock()} The {service.name} {failure}. Restarting it in "
                  f"{delay:g} s (restart {number} of at most {self.limit} in "
                  f"{format_window(self.window)}).", error=True)
        child.state = WAITING
        child.deadline = time.monotonic() + delay

    # --- stopping ----------------------------------------------------------------------------

    def _stop_all(self) -> None:
        self._say("\nStopping…")
        running = [child.process for child in self._children if child.process is not None]
        for child in self._children:
            if child.process is not None:
                _kill_group(child.process.pid, child.service.stop_signal)
        deadline = time.monotonic() + STOP_GRACE
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in running:  # stragglers, and children a server left in its group
            _kill_group(process.pid, signal.SIGKILL)
            process.wait()
        for child in self._children:
            child.service.pid_file.unlink(missing_ok=True)
        self._say("Stopped.")

    def _say(self, message: str, error: bool = False) -> None:
        stream = self._err if error else self._out
        stream.write(message + "\n")
        stream.flush()


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _kill_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def popen_account(user: Optional[str]) -> dict:
    """Popen's arguments to run as `user` (its own group, none of the supervisor's groups)."""
    if user is None:
        return {}
    import pwd

    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def _stop_group(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    _kill_group(process.pid, signum)
    try:
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid, signal.SIGKILL)
        process.wait()
