"""Session 59's review of the dock commits: a model's load that a Cancel left running
(_jobs.steps_beside, c9cac16f) is joined by the next run's, not started a second time."""

from __future__ import annotations

import threading

import pytest


def test_a_run_after_a_cancel_waits_for_the_load_still_running():
    """c9cac16f let a Cancel leave a model's load running on its thread; Run again at once
    started a second load of the same model beside it (two loads at once on the same busy cores,
    each 1-6 s for the recolouriser). The second run now waits for the first's load."""
    from xrf_napari.widgets._jobs import steps_beside

    gate, calls = threading.Event(), []

    def load(weights, device):
        calls.append(weights)
        gate.wait(5)
        return f"model of {weights} on {device}"

    first = steps_beside(load, "w", "cpu", poll_s=0.01)
    assert next(first) is None  # the load runs: Cancel
    first.close()
    second = steps_beside(load, "w", "cpu", poll_s=0.01)
    try:
        assert next(second) is None
    finally:
        gate.set()
    with pytest.raises(StopIteration) as end:
        while True:
            next(second)
    assert end.value.value == "model of w on cpu"
    assert calls == ["w"], calls  # one load (the parent: ["w", "w"])
