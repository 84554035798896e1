"""Session 34: the survey's k-means runs on one BLAS thread (its tiny products made it 2-40x
slower on a busy machine with OpenBLAS's threads), and the automatic calibration a large scan's
open leaves pending assumes the tube anode read_cube was given, as the immediate one does."""

import numpy as np
import pytest
from _napari_helpers import painted_counts

from xrf_napari.analysis import spectra
from xrf_napari.detector import GIVEN_ANODE_KEY
from xrf_napari.io import auto_calibrated, read_cube


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_survey_groups_run_on_one_blas_thread_with_the_same_sums(monkeypatch):
    from threadpoolctl import threadpool_limits

    cells = painted_counts()[0].reshape(-1, 512).astype(np.float32)
    with threadpool_limits(1):
        expected = spectra.group_sums(cells)
    seen = []
    kmeans = spectra._kmeans

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return kmeans(*args, **kwargs)

    monkeypatch.setattr(spectra, "_kmeans", spy)
    with threadpool_limits(2):
        if max(_blas_threads(), default=1) < 2:
            pytest.skip("no BLAS here that runs more than one thread")
        got = spectra.group_sums(cells)
        assert max(_blas_threads()) == 2  # the caller's limit is back
    assert len(seen) == len(spectra.SURVEY_GROUPS)
    assert all(threads and set(threads) == {1} for threads in seen), seen
    np.testing.assert_array_equal(got, expected)


@pytest.fixture
def uncalibrated(tmp_path):
    """A .npy scan: no energy calibration, so read_cube fits one (Rh tube scatter in it)."""
    path = tmp_path / "painted.npy"
    np.save(path, painted_counts()[0])
    return path


@pytest.fixture
def anodes(monkeypatch):
    """The anode each automatic calibration was fitted with (the fit itself runs as usual)."""
    from xrf_napari.analysis import autocal

    seen, real = [], autocal.auto_calibrate

    def spy(cube, *args, anode="Rh", **kwargs):
        seen.append(anode)
        return real(cube, *args, anode=anode, **kwargs)

    monkeypatch.setattr(autocal, "auto_calibrate", spy)
    return seen


def test_a_pending_calibration_assumes_the_anode_given_to_read_cube(uncalibrated, anodes):
    now = read_cube(uncalibrated, anode="Mo")
    pending = read_cube(uncalibrated, anode="Mo", calibrate_later=0)
    assert pending.calibration.source == "none"
    # the hint is in the metadata a save of the pending scan writes only as the tube given
    # (detector.given_anode, b7a00beb), never as the file's own anode
    assert pending.metadata[GIVEN_ANODE_KEY] == "Mo"
    rest = {k: v for k, v in pending.metadata.items() if k != GIVEN_ANODE_KEY}
    assert rest == read_cube(uncalibrated, calibrate_later=0).metadata
    later = auto_calibrated(pending)
    assert anodes == ["Mo", "Mo"]
    assert later.calibration == now.calibration
    assert later.metadata["auto_calibration"] == now.metadata["auto_calibration"]


def test_the_callers_anode_then_the_files_win_over_the_hint(uncalibrated, anodes):
    auto_calibrated(read_cube(uncalibrated, anode="Mo", calibrate_later=0), anode="W")
    auto_calibrated(read_cube(uncalibrated, calibrate_later=0))
    pending = read_cube(uncalibrated, anode="Mo", calibrate_later=0)
    pending.metadata["tube"] = {"anode": "cu"}  # as a file's own metadata says it
    auto_calibrated(pending, anode="W")
    assert anodes == ["W", "Rh", "Cu"]


def test_the_callers_anode_is_spelt_as_read_cubes_is(uncalibrated, anodes):
    """read_cube took "mo" for molybdenum; auto_calibrated passed "mo" on to the fit."""
    pending = read_cube(uncalibrated, calibrate_later=0)
    auto_calibrated(pending, anode="mo")
    assert anodes == ["Mo"]
    with pytest.raises(ValueError, match="not an element symbol"):
        auto_calibrated(pending, anode="tungsten-ish")
