"""Ripple (.rpl) header calibrations that cannot be one: set aside as by every reader, told with
the header's keys as written."""

import warnings

import numpy as np
import pytest
from test_reader_audit24 import RPL

from xrf_napari.io import read_cube


def _ripple(tmp_path, calibration_lines: str):
    path = tmp_path / "m.rpl"
    path.write_text(RPL.format(w=2, h=3, c=64, order="little-endian") + calibration_lines)
    np.ones((3, 2, 64), "<u2").tofile(tmp_path / "m.raw")
    return path


def _read(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    return cube, [str(w.message) for w in caught]


def test_a_ripple_units_key_naming_no_energy_unit_sets_the_calibration_aside(tmp_path):
    """A units key neither eV nor keV refused the whole scan ("unknown energy units 'mm' in
    'depthunits'"), where HDF5, zarr, sidecar, MCA, SPE and Amptek calibrations are set aside
    with a warning and the scan opens uncalibrated (automatic calibration then)."""
    path = _ripple(tmp_path, "depth-origin\t0\ndepth-scale\t0.01\nDepth-Units\tmm\n")
    cube, told = _read(path)
    note = (
        "unknown energy units 'mm' in 'Depth-Units' (expected eV or keV); "
        "the header's calibration set aside"
    )
    assert told == [f"{path}: {note}"]
    assert cube.shape == (3, 2, 64) and cube.calibration.source == "none"
    assert cube.metadata["calibration_note"] == f"{path}: {note}"


@pytest.mark.parametrize("key", ["depth-scale", "Depth_Scale", "ev-per-chan"])
def test_a_ripple_gain_not_positive_names_its_key_as_written(tmp_path, key):
    """The warning named the normalised key ('depthscale', 'evperchan'), which the header does
    not hold: it names the key as the header writes it."""
    path = _ripple(tmp_path, f"{key}\t-0.01\ndepth-units\tkeV\n")
    cube, told = _read(path)
    assert told == [
        f"{path}: the header's energy gain key '{key}': gain -0.01 is not positive: the energy "
        "must rise with the channel; calibration ignored"
    ]
    assert cube.calibration.source == "none"
