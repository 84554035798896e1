"""Session 62 review of f2fb4955 (maps and the sum image at the scan's median live time): the
scale made once per live time, a project file's live times checked as the other HDF5 readers',
and the pigments report's sum-image backdrop scaled as the sum layer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

CAL = Calibration(0.0, 0.02)  # 0-20.48 keV over 1024 channels


def _live_times(h=6, w=5) -> np.ndarray:
    t = np.full((h, w), 0.5)
    t[:, 0] = 1.0
    return t


def test_the_live_time_scale_is_made_once_per_live_time():
    """Cube.live_time_scale read and sorted the live times on every call (0.1 s of CPU at 2000 x
    2000 pixels), 5 times per quicklook, twice per scan opened, once on the GUI thread after Make
    maps: it is made once, shared by a recalibrated cube, and made again for new live times."""
    cube = cube_from_array(np.ones((6, 5, 8)), CAL)
    cube.live_time = _live_times()
    scale = cube.live_time_scale()
    assert scale is not None and scale.median_s == 0.5
    assert cube.live_time_scale() is scale
    assert cube.with_calibration(Calibration(0.01, 0.02)).live_time_scale() is scale
    with pytest.raises(ValueError):  # shared: no caller may change it for the others
        scale.factor[0, 0] = 3.0
    cube.live_time = np.full((6, 5), 0.5)
    assert cube.live_time_scale() is None


def _project(path, live_time, counts=None):
    from xrf_napari.io.project_h5 import write_cube

    counts = np.ones((6, 5, 1024), np.float32) if counts is None else counts
    write_cube(path, counts, CAL, live_time=live_time)
    return path


def test_a_project_files_nan_or_negative_live_times_are_set_aside_with_a_warning(tmp_path):
    """A project .h5's /live_time was taken without the HDF5 readers' check: NaN and negative
    values were kept unsaid (the maps then scaled some pixels and not others). Set aside now,
    with a warning naming the dataset and the note; 0 s (a pixel not measured, as a Crono scan
    stopped early saves it) is kept."""
    from xrf_napari.io import read_cube

    t = _live_times()
    t[2, 2], t[3, 3] = np.nan, -0.5
    with pytest.warns(UserWarning, match=r"live time '/live_time' holds 1 NaN .* 1 negative"):
        cube = read_cube(_project(tmp_path / "bad.h5", t))
    assert cube.live_time is None
    assert "set aside" in cube.metadata["live_time_note"]
    t[2, 2], t[3, 3] = 0.0, 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(_project(tmp_path / "zero.h5", t))
    assert cube.live_time is not None and "live_time_note" not in cube.metadata
    assert cube.live_time_scale().factor[2, 2] == 1.0  # no live time: its counts as read


def test_the_pigments_report_backdrop_is_the_sum_image_at_the_median_live_time(
    tmp_path, monkeypatch
):
    """`xrf-napari pigments` without a photograph or colour model draws its report over the sum
    image: a column counted for twice the live time was twice as bright there, as the sum layer
    had been. Pixels of one paint counted 1.0 s and 0.5 s now make one grey."""
    from xrf_napari.analysis import pigment_fit, pigment_report
    from xrf_napari.analysis.pigment_fit import Candidate, PigmentReport, RegionResult
    from xrf_napari.cli.main import main
    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.instrument import InstrumentProfile

    def one_paint(cube, labels, **_):
        yield 0, 1
        region = RegionResult(1, labels.size, 900.0, np.ones(512), region_pixels=labels.size)
        region.candidates = [Candidate(["Vermilion"], [1.0], ["Hg"], [], (1, 0, 0), 1, 1, 0)]
        return PigmentReport([region], InstrumentProfile(), ["gypsum"], [], canonical_energy())

    seen = {}
    monkeypatch.setattr(pigment_fit, "iter_fit_regions", one_paint)
    monkeypatch.setattr(pigment_report, "write_report", lambda *a, **k: seen.update(k) or {})
    t = _live_times()
    e = CAL.energy(1024)
    rate = 5.0 + 400.0 * np.exp(-0.5 * ((e - 6.4) / 0.07) ** 2)  # Fe K-alpha over a continuum
    scan = _project(tmp_path / "scan.h5", t, (rate * t[..., None]).astype(np.float32))
    labels = tmp_path / "labels.npy"
    np.save(labels, np.ones(t.shape, np.int32))
    argv = ["pigments", str(scan), "--labels", str(labels), "--output", str(tmp_path / "out")]
    assert main([*argv, "--no-progress"]) == 0
    grey = seen["background"][..., 0]
    assert grey.min() == grey.max() > 0
