"""Review of session 56's reader commits: a Crono file whose index map leaves out a spectrum
of zero live time (ddf55c03), and an .npy of objects told as cut short (59d298ca)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_readers56 import _crono, _no_look

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def test_crono_live_times_of_spectra_no_pixel_shows_do_not_set_the_others_aside(
    tmp_path, monkeypatch
):
    """Fails on the parent: a Crono file whose last spectrum no pixel shows (a scan stopped
    early leaves its unfilled spectra, live time 0) had all its live times set aside, "holds 1
    zero of its 5 values", where the 4 pixels' own are good. A shown one of 0 still is."""
    _no_look(monkeypatch)
    index = np.arange(4).reshape(2, 2)
    spectra = np.ones((5, 128), np.uint16)
    path = _crono(tmp_path / "stopped.h5", spectra, index, np.array([1.0, 2.0, 3.0, 4.0, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(cube.live_time, [[1.0, 2.0], [3.0, 4.0]])
    assert "live_time_note" not in cube.metadata
    shown = _crono(tmp_path / "shown.h5", spectra, index, np.array([1.0, 0.0, 3.0, 4.0, 0.0]))
    with pytest.warns(UserWarning, match=r"shown\.h5: live time '/XRF/LiveTimes' holds 2 zero"):
        cube = read_cube(shown, auto_calibrate=False)
    assert cube.live_time is None and "set aside" in cube.metadata["live_time_note"]


def test_an_npy_of_objects_is_not_told_cut_short(tmp_path):
    """Fails on the parent: an .npy of Python objects (np.save pickles them) was refused as
    "size mismatch ... it is cut short (an interrupted copy or save) ... copy or save it again",
    its pickle being shorter than 8 bytes a value: a copy made again is refused the same. It
    says that it holds Python objects."""
    path = tmp_path / "objects.npy"
    values = np.empty((4, 4, 300), object)
    values[...] = 1
    np.save(path, values, allow_pickle=True)
    with pytest.raises(CubeReadError, match=r"objects\.npy: its array holds Python objects") as err:
        read_cube(path, auto_calibrate=False)
    assert "cut short" not in str(err.value)
