"""Session 65, reviewer revK65 of 7041a259 (autocal65): the Mo and Ag fits of a scan refused
assuming Rh can agree on a wrong axis; only the check that one of those tubes' scatter lines show
on it keeps such a scan on channel numbers."""

import numpy as np
import pytest

pytest.importorskip("xraylib")


def _scan(anode, kv, incidence, takeoff, counts, recipe, seed, crop=0, binned=False):
    """A generated 24 x 24 scan of one paint (its counts, its true axis in keV per channel),
    optionally its first `crop` channels dropped or its channels binned by two."""
    from test_autocal65 import _made

    made = _made(anode, kv, incidence, takeoff, counts, [recipe], seed)
    data, cal = np.asarray(made.data)[..., crop:], made.calibration
    offset, gain = cal.offset + crop * cal.gain, cal.gain
    if binned:
        n = data.shape[-1] // 2 * 2
        data = data[..., :n].reshape(*data.shape[:-1], n // 2, 2).sum(-1)
        offset, gain = offset + gain / 2, 2 * gain
    return data, offset + gain * np.arange(data.shape[-1])


@pytest.mark.parametrize(
    ("anode", "kv", "incidence", "takeoff", "counts", "recipe", "seed", "crop", "binned"),
    [  # 174 eV and 7.6 keV off where the Mo and Ag fits agree (/work/runs65/revK65/layers.py)
        ("Cr", 20.0, 75.0, 75.0, 2000.0, (["Cadmium yellow", "Vermilion"], [0.5] * 2), 27, 0, True),
        ("Ag", 50.0, 90.0, 80.0, 1e4, (["Yellow ochre", "Lead white"], [0.5] * 2), 24, 40, False),
    ],
)
def test_agreeing_mo_and_ag_fits_on_a_wrong_axis_leave_the_scan_uncalibrated(
    tmp_path, anode, kv, incidence, takeoff, counts, recipe, seed, crop, binned
):
    """A guard: generated scans (a Cr tube at 20 kV, binned; an Ag tube's with its first 2 keV
    cut, outside the fit's offset box) refused assuming Rh, whose fits assuming Mo and assuming
    Ag both succeed and agree on an axis more than 60 eV off, showing neither tube's lines there:
    read_cube leaves them on channel numbers rather than take that axis."""
    from xrf_napari.analysis.autocal import (
        AutoCalibrationError,
        _tolerance,
        auto_calibrate,
        calibrate_spectra,
        fitted_spectra,
        spectra_peaks,
    )
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube

    data, truth = _scan(anode, kv, incidence, takeoff, counts, recipe, seed, crop, binned)
    cube = cube_from_array(data, Calibration.uncalibrated())
    with pytest.raises(AutoCalibrationError):
        auto_calibrate(cube, anode="Rh")
    spectra = fitted_spectra(cube)
    fits = [calibrate_spectra(spectra, anode=a, peaks=spectra_peaks(spectra)) for a in ("Mo", "Ag")]
    axes = np.array([f.calibration.energy(truth.size) for f in fits])
    assert np.ptp(axes, axis=0).max() <= _tolerance(max(f.calibration.gain for f in fits))
    assert np.abs(axes - truth).max() > 0.06  # the axis they agree on is wrong
    path = tmp_path / "scan.npy"
    np.save(path, data)
    assert read_cube(path).calibration.source == "none"
