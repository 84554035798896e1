"""Opening a file that carries an energy calibration checks it against the peaks of its sampled
rows (io._review_file_calibration -> autocal.check_calibration): a whole peak search, about 50
Gaussian fits, 40-60 ms warm on each open. The fit depends on the spectra and the anode alone,
so it is kept per spectra: the same scan opened again is not searched again, a wrong calibration
of the same spectra is still refused, and an edited file whose sample changed is searched again."""

from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np
import pytest
from _napari_helpers import painted_counts
from _spectra import CANONICAL_CAL


def _write(path, counts, calibration):
    from xrf_napari.io.project_h5 import write_cube

    return write_cube(path, counts, calibration, metadata={"name": "painted"})


def _count_fits(monkeypatch):
    """The Gaussian peak fits autocal makes (each peak found is fitted once or twice)."""
    from xrf_napari.analysis import autocal

    calls = []
    fit = autocal._gauss_fit
    monkeypatch.setattr(autocal, "_gauss_fit", lambda *a: calls.append(1) or fit(*a))
    return calls


def _open_quietly(path):
    from xrf_napari.io import read_cube

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a right calibration: no warning
        return read_cube(path)


def test_a_calibrated_scan_opened_again_is_not_searched_again(tmp_path, monkeypatch):
    """Reopening a calibrated scan (napari reading it again, a test opening the same cube) ran
    the check's whole peak search again: 50 peak fits on the painted cube, each open; now none,
    and the verdict is the same (the file's calibration kept, no note)."""
    from xrf_napari.analysis import autocal

    monkeypatch.setattr(autocal, "_CHECK_CACHE", OrderedDict(), raising=False)
    counts, _ = painted_counts(seed=5)
    path = _write(tmp_path / "p.h5", counts, CANONICAL_CAL)
    fits = _count_fits(monkeypatch)
    first = _open_quietly(path)
    searched = len(fits)
    second = _open_quietly(path)
    assert searched > 10 and len(fits) == searched  # the first open searched, the second did not
    for cube in (first, second):
        assert cube.calibration.source == "file" and "calibration_note" not in cube.metadata


def test_a_wrong_calibration_of_the_same_spectra_is_still_refused(tmp_path, monkeypatch):
    """The kept fit is the spectra's, not a verdict: the same counts saved with a calibration
    1 keV high are still contradicted (warning, automatic calibration, note) after the right one
    was accepted, without searching the peaks again; counts edited (another sample) are
    searched again."""
    from xrf_napari.analysis import autocal
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube

    monkeypatch.setattr(autocal, "_CHECK_CACHE", OrderedDict(), raising=False)
    counts, _ = painted_counts(seed=6)
    path = _write(tmp_path / "p.h5", counts, CANONICAL_CAL)
    right = _open_quietly(path)
    fits = _count_fits(monkeypatch)
    high = Calibration(CANONICAL_CAL.offset + 1.0, CANONICAL_CAL.gain, 0.0, source="file")
    _write(path, counts, high)
    with pytest.warns(UserWarning, match="contradicts the spectrum's peaks"):
        wrong = read_cube(path)
    assert right.calibration.source == "file"
    assert wrong.calibration.source == "auto" and "calibration_note" in wrong.metadata
    assert abs(wrong.calibration.offset - CANONICAL_CAL.offset) < 0.05
    assert not fits  # the same spectra: their fit reused
    _write(path, painted_counts(seed=7)[0], CANONICAL_CAL)
    assert _open_quietly(path).calibration.source == "file"
    assert fits  # another sample: searched


def test_a_contradicted_calibration_finds_the_peaks_once(monkeypatch):
    """A contradicted calibration found the spectra's peaks twice (the automatic fit's, then
    spectra_peaks again to weigh both calibrations): once now, one search per spectrum."""
    from xrf_napari.analysis import autocal
    from xrf_napari.energy import Calibration

    monkeypatch.setattr(autocal, "_CHECK_CACHE", OrderedDict(), raising=False)
    calls = []
    find = autocal.find_spectrum_peaks
    monkeypatch.setattr(
        autocal, "find_spectrum_peaks", lambda *a, **k: calls.append(1) or find(*a, **k)
    )
    counts = painted_counts(seed=8)[0].reshape(-1, 512).astype(np.float64)
    spectra = [counts.sum(0), counts.max(0)]
    high = Calibration(CANONICAL_CAL.offset + 1.0, CANONICAL_CAL.gain, 0.0)
    found = autocal.check_calibration(spectra, high)
    assert found is not None and "contradicts the spectrum's peaks" in found[0]
    assert len(calls) == 2  # sum and max pixel, once each
    assert autocal.check_calibration(spectra, CANONICAL_CAL) is None  # the right one: agrees
    assert len(calls) == 2
