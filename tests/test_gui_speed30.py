"""Session 30, issue 17 item 3 (the Spectrum dock's mean spectrum against the CLI): what the speed
changes pin, as counts of work done (the time itself is benchmarks/bench_gui.py's)."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.progress import run_to_end


class _KeyLog(np.ndarray):
    """A block that records how it is indexed."""

    keys: list

    def __getitem__(self, key):
        type(self).keys.append(key)
        return super().__getitem__(key)


def _is_copying_index(key) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


@pytest.mark.parametrize("block_bytes", [1, 5 * 37 * 40 * 2, None])
def test_survey_sums_tile_rows_from_views_of_the_block(block_bytes, monkeypatch):
    """The survey reduces each tile row's rows from a slice of the block: a boolean index copied
    those rows (every byte of the cube once more, 10 % of the pass) before reducing them. The
    sums stay those of the tiles, blocks of one row and blocks straddling tile rows included."""
    from xrf_napari.analysis.spectra import iter_survey, survey_tile

    counts = np.random.default_rng(30).poisson(3.0, size=(37, 40, 24)).astype(np.uint16)
    cube = cube_from_array(counts)
    _KeyLog.keys = []
    plain = cube.iter_blocks

    def logged(**kw):
        for sl, block in plain(**kw):
            yield sl, np.asarray(block).view(_KeyLog)

    monkeypatch.setattr(cube, "iter_blocks", logged)
    mean, tiles = run_to_end(iter_survey(cube, block_bytes=block_bytes))
    assert _KeyLog.keys, "the survey did not read the blocks"
    copying = [k for k in _KeyLog.keys if _is_copying_index(k)]
    assert not copying, f"the survey copied rows of a block by index: {copying[:3]}"
    t = survey_tile(counts.shape)
    expected = np.array(
        [
            [counts[y : y + t, x : x + t].sum(axis=(0, 1)) for x in range(0, 40, t)]
            for y in range(0, 37, t)
        ]
    )
    np.testing.assert_array_equal(tiles, expected)
    np.testing.assert_array_equal(mean, tiles.sum(axis=(0, 1), dtype=np.float64) / (37 * 40))


def test_bench_gui_reports_each_tasks_garbage_collections_and_can_pay_the_debt_first(
    tmp_path, monkeypatch
):
    """bench_gui's worst freeze of the mean spectrum was a generation-2 collection of the whole
    heap (napari, Qt, torch: 250-560 ms), whose debt napari's start-up and the script's warm-up
    build up and whichever task runs first pays. The table now says how long the longest
    collection in each task's window took, and --collect-first pays the debt before each task,
    outside the timing, on both sides; each side's process CPU seconds are kept too."""
    import gc
    import sys
    import time
    from pathlib import Path

    from _bench_scripts import load_script

    bench = load_script("bench_gui")
    log = bench.GcLog()
    try:
        t0 = time.perf_counter()
        gc.collect()
        t1 = time.perf_counter()
        assert 0 < log.longest(t0, t1) <= t1 - t0
        assert log.longest(t1 + 10, t1 + 20) == 0
    finally:
        log.close()
    assert log._gc not in gc.callbacks

    sys.path.insert(0, str(Path(__file__).parent))
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.io.project_h5 import write_cube

    path = write_cube(tmp_path / "s.h5", painted_counts()[0], CANONICAL_CAL)
    collected = []
    real = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(a) or real(*a))
    cpu = {}
    first = bench.cli_times(path, "cpu", 2, cpu=cpu)
    assert collected == [], "a collection without --collect-first"
    assert set(cpu) == set(first) and all(v > 0 for v in cpu.values()), cpu
    times = bench.cli_times(path, "cpu", 2, collect=True)
    assert len(collected) == len(times) == 3, "one full collection before each CLI task"
