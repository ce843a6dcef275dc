"""scripts/supervise.py: the restart budget, and the supervisor driving tiny HTTP children."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable, List

import pytest

from scripts.supervise import (RestartBudget, Service, Supervisor, describe_exit, format_window,
                               oom_killed_in, restart_delay)
from tests.support.servers import PROJECT_ROOT, free_port

# A child that answers 200 on / and starts a grandchild (`sleep`) in its process group; with a
# lifetime > 0 it leaves on its own with status 3.
CHILD = textwrap.dedent("""
    import http.server, os, subprocess, sys, threading
    port, lifetime = int(sys.argv[1]), float(sys.argv[2])

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", port), Ok)
    helper = subprocess.Popen(["sleep", "300"])
    print(f"serving on {port}, helper {helper.pid}", flush=True)
    if lifetime > 0:
        threading.Timer(lifetime, lambda: (print("leaving", flush=True), os._exit(3))).start()
    server.serve_forever()
""")


# --- restart budget and messages ------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_budget_allows_limit_restarts_then_refuses():
    budget = RestartBudget(limit=3, window=600, clock=FakeClock())
    assert [budget.take() for _ in range(4)] == [True, True, True, False]
    assert budget.used() == 3


def test_budget_forgets_restarts_older_than_the_window():
    clock = FakeClock()
    budget = RestartBudget(limit=2, window=600, clock=clock)
    assert budget.take()
    clock.now += 400
    assert budget.take()
    clock.now += 100
    assert not budget.take()  # two restarts within the last 600 s
    clock.now += 100  # the first restart is now 600 s old
    assert budget.used() == 1
    assert budget.take()
    assert not budget.take()


def test_budget_of_zero_never_restarts():
    assert not RestartBudget(limit=0, window=600, clock=FakeClock()).take()


def test_restart_delay_doubles_up_to_a_ceiling():
    assert [restart_delay(n) for n in (1, 2, 3, 4, 5, 6, 9)] == [1, 2, 4, 8, 16, 30, 30]
    assert restart_delay(2, first=0.5) == 1


def test_format_window():
    assert [format_window(s) for s in (600, 3600, 90, 45, 7200)] == \
        ["10 min", "1 h", "90 s", "45 s", "2 h"]


def test_describe_exit_names_the_signal_and_the_oom_killer():
    assert describe_exit(3) == "exit status 3"
    assert describe_exit(-signal.SIGTERM) == "killed by SIGTERM (signal 15)"
    killed = describe_exit(-signal.SIGKILL)
    assert killed.startswith("killed by SIGKILL (signal 9)") and "out of memory?" in killed
    assert "OOM killer chose it" in describe_exit(-signal.SIGKILL, oom_killed=True)
    assert "not by the kernel's OOM killer" in describe_exit(-signal.SIGKILL, oom_killed=False)


def test_oom_killed_in_reads_the_kernel_lines_of_that_pid():
    log = ("[ 812.1] Out of memory: Killed process 4242 (python) total-vm:9000kB\n"
           "[ 900.3] Memory cgroup out of memory: Killed process 777 (rasa)\n")
    assert oom_killed_in(log, 4242)
    assert oom_killed_in(log, 777)
    assert not oom_killed_in(log, 424)
    assert not oom_killed_in(log, 42)


# --- the supervisor with real child processes --------------------------------------------------

def http_child(tmp_path: Path, name: str, lifetime: float = 0.0, timeout: float = 10) -> Service:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    port = free_port()
    return Service(name, [sys.executable, str(script), str(port), str(lifetime)],
                   tmp_path / f"{name}.log", f"http://127.0.0.1:{port}/", start_timeout=timeout)


class Running:
    """A supervisor run in a background thread; its output gathered in one buffer."""

    def __init__(self, services: List[Service], limit: int = 3, window: float = 90):
        self.output = io.StringIO()
        self.ready = threading.Event()
        self.supervisor = Supervisor(services, limit, window, first_delay=0.05,
                                     poll_interval=0.05, out=self.output, err=self.output)
        self.result: List[int] = []
        self.thread = threading.Thread(
            target=lambda: self.result.append(self.supervisor.run(on_ready=self.ready.set)),
            daemon=True)
        self.thread.start()

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout}s:\n{self.output.getvalue()}")
            time.sleep(0.05)

    def finish(self, timeout: float = 30) -> int:
        self.supervisor.request_stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), self.output.getvalue()
        return self.result[0]


@pytest.fixture
def supervise():
    """supervise(services, limit, window) -> a Running supervisor, stopped after the test."""
    runs: List[Running] = []

    def start(*args, **kwargs) -> Running:
        runs.append(Running(*args, **kwargs))
        return runs[-1]

    yield start
    for run in runs:
        run.supervisor.request_stop()
        run.thread.join(30)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(") ", 1)[1][0] != "Z"  # a zombie is dead, just not yet reaped


def still_alive(pids: List[int], grace: float = 3.0) -> List[int]:
    """Those of `pids` still running after `grace` s: a SIGKILLed process takes a moment to go."""
    deadline = time.monotonic() + grace
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def helper_pids(log: Path) -> List[int]:
    return [int(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines()
            if line.startswith("serving on")]


def pid_of(service: Service) -> int:
    return int(service.pid_file.read_text())


def test_a_killed_child_is_restarted_and_everything_stops_on_request(tmp_path, supervise):
    web, api = http_child(tmp_path, "web"), http_child(tmp_path, "api")
    run = supervise([web, api])
    assert run.ready.wait(15), run.output.getvalue()
    first_pid = pid_of(api)
    os.kill(first_pid, signal.SIGKILL)

    run.wait_for(lambda: "The api is back" in run.output.getvalue(), "restart")
    output = run.output.getvalue()
    assert "The api exited: killed by SIGKILL (signal 9)" in output
    assert "restart 1 of at most 3 in 90 s" in output
    assert pid_of(api) != first_pid
    assert not still_alive(helper_pids(api.log)[:1])  # what the killed child left was cleaned up
    log = api.log.read_text()
    assert log.count("serving on") == 2 and "restarted by the supervisor; it exited: killed" in log
    assert "The web" not in output  # the other server was left alone

    children = [pid_of(web), pid_of(api), *helper_pids(web.log), *helper_pids(api.log)]
    assert run.finish() == 0
    assert run.output.getvalue().rstrip().endswith("Stopped.")
    assert not still_alive(children)
    assert not web.pid_file.exists() and not api.pid_file.exists()


def test_gives_up_beyond_the_restart_budget(tmp_path, supervise):
    steady, flaky = http_child(tmp_path, "steady"), http_child(tmp_path, "flaky", lifetime=1.0)
    run = supervise([steady, flaky], limit=2, window=90)
    run.thread.join(30)
    output = run.output.getvalue()
    assert run.result == [1], output
    assert output.count("The flaky exited: exit status 3. Restarting it") == 2
    assert "restart 2 of at most 2 in 90 s" in output
    assert "already restarted 2 times in 90 s: giving up (RESTART_LIMIT=2, " \
        "RESTART_WINDOW=90)" in output
    assert "Last lines of" in output and "leaving" in output.split("giving up")[1]
    assert not still_alive(helper_pids(steady.log))
    assert "Stopped." in output


def test_a_restarted_child_that_never_answers_is_stopped_and_restarted(tmp_path, supervise):
    # Serves the first time only: a restart finds the marker file and hangs without a port.
    port, marker = free_port(), tmp_path / "started-once"
    script = tmp_path / "once.py"
    script.write_text(CHILD.replace("port, lifetime =", textwrap.dedent(f"""
        import pathlib, time
        if pathlib.Path({str(marker)!r}).exists():
            print("hanging", flush=True)
            time.sleep(300)
        pathlib.Path({str(marker)!r}).touch()
        port, lifetime =""")))
    once = Service("once", [sys.executable, str(script), str(port), "0"], tmp_path / "once.log",
                   f"http://127.0.0.1:{port}/", start_timeout=1)
    run = supervise([once], limit=2, window=90)
    assert run.ready.wait(15), run.output.getvalue()
    os.kill(pid_of(once), signal.SIGKILL)
    run.thread.join(30)
    output = run.output.getvalue()
    assert run.result == [1], output
    assert f"The once did not answer at http://127.0.0.1:{port}/ within 1 s. Restarting" in output
    assert "restart 2 of at most 2" in output
    assert f"error: the once did not answer at http://127.0.0.1:{port}/ within 1 s. It was " \
        "already restarted 2 times in 90 s: giving up" in output
    assert output.count("hanging") == 2  # both restarts hung: the log tail shows it


def test_a_child_failing_at_the_first_start_fails_fast_with_its_log(tmp_path, supervise):
    steady = http_child(tmp_path, "steady")
    broken = Service("broken", [sys.executable, "-c", "print('no model here'); exit(2)"],
                     tmp_path / "broken.log", f"http://127.0.0.1:{free_port()}/",
                     start_timeout=30)
    started = time.monotonic()
    run = supervise([steady, broken])
    run.thread.join(15)
    output = run.output.getvalue()
    assert run.result == [1], output
    assert time.monotonic() - started < 10
    assert "error: while starting, the broken exited: exit status 2." in output
    assert "no model here" in output
    assert "Restarting" not in output
    assert not still_alive(helper_pids(steady.log))


def test_a_child_that_never_answers_fails_the_first_start(tmp_path, supervise):
    silent = Service("silent", ["sleep", "60"], tmp_path / "silent.log",
                     f"http://127.0.0.1:{free_port()}/", start_timeout=0.5)
    run = supervise([silent])
    run.thread.join(20)
    assert run.result == [1]
    assert "did not answer at http://127.0.0.1:" in run.output.getvalue()
    assert not silent.pid_file.exists()


def test_sigterm_stops_every_process_group_and_exits_zero(tmp_path):
    services = [http_child(tmp_path, "one"), http_child(tmp_path, "two")]
    specs = json.dumps([[s.name, list(s.command), str(s.log), s.health_url] for s in services])
    program = textwrap.dedent("""
        import json, sys
        from pathlib import Path
        from scripts.supervise import Service, Supervisor
        services = [Service(name, command, Path(log), url, start_timeout=10)
                    for name, command, log, url in json.loads(sys.argv[1])]
        supervisor = Supervisor(services, 3, 60, poll_interval=0.05)
        supervisor.stop_on_signals()
        sys.exit(supervisor.run(on_ready=lambda: print("READY", flush=True)))
    """)
    process = subprocess.Popen([sys.executable, "-c", program, specs], cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(3)]  # two "Starting…", then READY
        assert lines[-1] == "READY\n", lines
        children = [pid for s in services for pid in [pid_of(s), *helper_pids(s.log)]]
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, rest
    assert rest.rstrip().endswith("Stopped.")
    assert not still_alive(children)


@pytest.mark.parametrize("setting, value, said", [
    ("RESTART_LIMIT", "five", "RESTART_LIMIT must be a whole number ≥ 0, not 'five'"),
    ("RETENTION_DAYS", "0", "RETENTION_DAYS must be a whole number ≥ 1, not '0'")])
def test_run_assistant_refuses_a_bad_setting_before_starting_anything(tmp_path, setting,
                                                                     value, said):
    result = subprocess.run([sys.executable, "scripts/run_assistant.py", str(tmp_path)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, **{setting: value}))
    assert result.returncode == 1
    assert said in result.stderr
    assert not list(tmp_path.iterdir())  # nothing started


def test_make_run_and_make_cluster_purge_daily(tmp_path):
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    import run_assistant
    import run_cluster

    env = {"ACTION_PORT": "1", "RASA_PORT": "2", "WEB_PORT": "3", "MODEL": "m",
           "CORS_ORIGINS": "x", "TRACKER_STORE_URL": "postgresql://a@b/c",
           "LOCK_STORE_URL": "redis://d:6379/0"}
    for module in (run_assistant, run_cluster):
        [purge] = [s for s in module.services(env, "token", tmp_path) if "purge" in s.name]
        assert purge.command[-2:] == ["rasa_extensions.citizen_data", "purge-daily"]
        assert purge.health_url == "" and purge.log == tmp_path / "retention.log"
    [cluster_purge] = [s for s in run_cluster.services(env, "t", tmp_path) if "purge" in s.name]
    assert cluster_purge.env["TRACKER_STORE_URL"] == "postgresql://a@b/c"  # the servers' store


def test_a_worker_without_health_url_is_up_while_it_runs(tmp_path, supervise):
    worker = Service("worker", [sys.executable, "-c", "import time; time.sleep(60)"],
                     tmp_path / "worker.log", "", start_timeout=5)
    run = supervise([worker])
    assert run.ready.wait(10), run.output.getvalue()
    assert run.finish() == 0


# A child that reads its port and a secret from its standard input, then accepts TCP
# connections and writes the secret's length to its log (never the secret itself).
TCP_CHILD = textwrap.dedent("""
    import socket, sys
    port, secret = sys.stdin.read().split()
    print(f"secret of {len(secret)} characters", flush=True)
    with socket.socket() as server:
        server.bind(("127.0.0.1", int(port)))
        server.listen()
        while True:
            server.accept()[0].close()
""")


def test_a_tcp_service_gets_its_secret_on_stdin_and_its_own_environment(tmp_path, supervise):
    port = free_port()
    service = Service("redis-like", [sys.executable, "-c", TCP_CHILD], tmp_path / "tcp.log",
                      f"tcp://127.0.0.1:{port}", start_timeout=15,
                      env={"PATH": os.environ["PATH"]}, stdin_text=f"{port} s3cret-value\n")
    run = supervise([service])
    assert run.ready.wait(15), run.output.getvalue()
    assert "secret of 12 characters" in service.log.read_text()
    environ = Path(f"/proc/{pid_of(service)}/environ").read_bytes().split(b"\0")
    assert not any(item.startswith(b"HOME=") for item in environ)  # only what it was given
    assert run.finish() == 0
