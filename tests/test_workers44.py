"""`-n auto` (scripts/test.sh) must not start a torch-and-napari worker per core on a big machine,
nor more workers than memory holds."""

import os

import conftest
import pytest


@pytest.mark.parametrize(
    ("cores", "memory_gib", "workers"),
    [(2, 24, 2), (64, 256, conftest.MAX_WORKERS), (64, 8, 2), (1, 24, 1), (8, 2, 1)],
)
def test_auto_workers_follow_cores_memory_and_the_cap(monkeypatch, cores, memory_gib, workers):
    page = 4096
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(
        os,
        "sysconf",
        lambda name: page if name == "SC_PAGE_SIZE" else memory_gib * 2**30 // page,
    )
    assert conftest.pytest_xdist_auto_num_workers(None) == workers


def test_the_test_command_runs_in_parallel_by_file():
    """README's test command; loadfile keeps a file's viewers and module fixtures in one worker."""
    script = (conftest.ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "-n auto --dist loadfile" in script
