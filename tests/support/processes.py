"""Several Python processes doing the same thing at the same moment (spawned, not forked)."""

from __future__ import annotations

import multiprocessing
from typing import Any, Callable


def run_together(target: Callable[..., None], *args: Any, count: int = 4,
                 timeout: float = 120) -> None:
    """Runs `target(*args, barrier)` in `count` processes released together by `barrier`;
    each must exit with status 0."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(count)
    processes = [context.Process(target=target, args=(*args, barrier)) for _ in range(count)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout)
        assert process.exitcode == 0, f"a process exited with {process.exitcode}"


def shared_list() -> Any:
    """A list the processes of `run_together` can append to (kept alive by its manager)."""
    return multiprocessing.get_context("spawn").Manager().list()
