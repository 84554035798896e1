"""Progress convention shared by long operations.

A long operation is a generator that yields `(done, total)` integers and *returns* its result, so a
napari `thread_worker` can report progress and cancel at the next yield, while scripts and tests
just drain it with `run_to_end`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

T = TypeVar("T")


def run_to_end(
    gen: Generator[tuple[int, int], None, T], callback: Callable[[int, int], None] | None = None
) -> T:
    """Drain a progress generator, calling callback(done, total) at each step; return its result."""
    while True:
        try:
            done, total = next(gen)
        except StopIteration as stop:
            return stop.value
        if callback is not None:
            callback(int(done), int(total))


def tqdm_callback(desc: str = "", unit: str = "px"):
    """(callback, close) pair driving a tqdm bar from (done, total) reports (CLI use)."""
    from tqdm import tqdm

    bar = None

    def callback(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, dynamic_ncols=True)
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return callback, close
