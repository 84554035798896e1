"""Progress convention shared by long operations.

A long operation is a generator that yields `(done, total)` integers and *returns* its result, so a
napari `thread_worker` can report progress and cancel at the next yield, while scripts and tests
just drain it with `run_to_end`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TypeVar

T = TypeVar("T")


def run_to_end(
    gen: Generator[tuple[int, int], None, T],
    callback: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> T:
    """Drain a progress generator, calling callback(done, total) at each step; return its result.
    A generator that names its stages (yields a str, see `throttle`) needs `on_stage`."""
    while True:
        try:
            value = next(gen)
        except StopIteration as stop:
            return stop.value
        if isinstance(value, str):
            if on_stage is None:
                raise TypeError(f"a stage name {value!r} reached run_to_end without on_stage")
            on_stage(value)
        elif callback is not None:
            callback(int(value[0]), int(value[1]))


def throttle(
    gen: Generator, min_interval_s: float = 0.1, clock: Callable[[], float] = time.monotonic
):
    """Relay a progress generator at most once per `min_interval_s` (plus its first and last
    report and every stage name it yields); return its result.

    A GUI redraws its progress bar for each report it gets, and under a software renderer (Xvfb,
    remote desktops) one redraw of a full-HD napari window costs tens of milliseconds of the
    event loop, time taken from the job itself on a small machine. Dropped reports only delay
    a Cancel by at most one interval.
    """
    last = None
    while True:
        try:
            value = next(gen)
        except StopIteration as stop:
            return stop.value
        if isinstance(value, tuple) and len(value) == 2:
            now = clock()
            done, total = value
            if last is not None and now - last < min_interval_s and done < total:
                continue
            last = now
        else:
            last = None  # a new stage: its first report shows at once
        yield value


def tqdm_callback(desc: str = "", unit: str = "px", scaled: bool | None = None, show: bool = True):
    """(callback, close) pair driving a tqdm bar from (done, total) reports (CLI use); show=False
    gives (None, a no-op close) for runs without a bar. scaled:
    counts as 1.2M (None: for totals of 1000 or more); False for steps, counted whole as the
    SmallUViT's bar counts them (the baseline's read "2.00/1.50k")."""
    if not show:
        return None, lambda: None
    from tqdm import tqdm

    bar = None

    def callback(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            # scaled counts (1.2M px) for big totals; 96/96 rows, not "96.0/96.0", for small
            scale = total >= 1000 if scaled is None else scaled
            bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=scale, dynamic_ncols=True)
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return callback, close


def drain(gen: Generator[tuple[int, int], None, T], desc: str, unit: str, show: bool = True) -> T:
    """`run_to_end` behind a tqdm bar on stderr when `show` (a command's --no-progress turns it
    off): a pass over a big file takes minutes, and a silent terminal looks hung."""
    callback, close = tqdm_callback(desc, unit, show=show)
    try:
        return run_to_end(gen, callback)
    finally:
        close()
