"""bench/bench_load.py's own checks: what it counts as lost or interleaved, and its figures."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_load  # noqa: E402


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def turn(text: str) -> list:
    return [user(text), action("utter_answer"), action("action_listen")]


SESSION = [action("action_session_start"), {"event": "session_started"},
           action("action_listen")]


def test_each_message_stored_once_in_order_is_fine():
    events = SESSION + turn("bonjour") + turn("horaires ?")
    assert bench_load.misplaced(events, [("bonjour", True), ("horaires ?", True)]) == []


def test_lost_doubled_reordered_and_interleaved_are_found():
    sent = [("bonjour", True), ("horaires ?", True)]
    assert bench_load.misplaced(SESSION + turn("bonjour"), sent)  # lost
    assert bench_load.misplaced(SESSION + turn("bonjour") * 2 + turn("horaires ?"), sent)
    assert bench_load.misplaced(SESSION + turn("horaires ?") + turn("bonjour"), sent)
    interleaved = SESSION + [user("bonjour"), action("utter_answer"), user("horaires ?"),
                             action("action_listen"), action("utter_answer"),
                             action("action_listen")]
    assert any("interleaved" in problem for problem in bench_load.misplaced(interleaved, sent))


def test_a_message_that_got_an_error_may_be_stored_or_not():
    sent = [("bonjour", True), ("horaires ?", False), ("merci", True)]
    assert bench_load.misplaced(SESSION + turn("bonjour") + turn("merci"), sent) == []
    assert bench_load.misplaced(
        SESSION + turn("bonjour") + turn("horaires ?") + turn("merci"), sent) == []
    assert bench_load.misplaced(SESSION + turn("bonjour"), sent)  # merci was answered


def result(name: str, messages: int, seconds: float) -> bench_load.Result:
    measured = bench_load.Result(name, latencies_ms=[10.0 + n for n in range(messages)],
                                 seconds=seconds)
    measured.sent = {f"s{n}": [("bonjour", True)] for n in range(messages)}
    return measured


def test_rounds_add_up_and_the_set_ups_are_compared_per_number_of_citizens(tmp_path):
    rounds = bench_load.Result("closed 20")
    rounds.add(result("", 100, 2.0))
    rounds.add(result("", 80, 2.0))
    assert len(rounds.latencies_ms) == 180 and rounds.seconds == 4.0 and len(rounds.sent) == 100
    measured = {"make run (1 server)": [result("closed 20", 100, 2.0), result("open 20/s", 5, 1)],
                "make cluster (2 servers)": [result("closed 20", 90, 2.0)]}
    lines = bench_load.comparison(measured)
    assert lines[1].split() == ["20", "50.0", "45.0", "0.90"]
    chart = tmp_path / "load.png"
    bench_load.draw(measured, chart)
    assert chart.stat().st_size > 10_000
