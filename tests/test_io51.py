"""Session 51, readers: one unit rule for calibrations that name no unit."""

import json
import warnings

import numpy as np
import pytest
from test_io_ripple import write_ripple

from xrf_napari.io import read_cube

COUNTS = np.random.default_rng(51).poisson(3, (3, 4, 64)).astype(np.uint16)


def _h5(path):
    import h5py

    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", data=COUNTS)
        d.attrs["offset"], d.attrs["gain"] = -50.0, 10.0
    return path


def _zarr(path):
    import zarr

    a = zarr.open_array(str(path), mode="w", shape=COUNTS.shape, dtype="u2")
    a[:] = COUNTS
    a.attrs.update({"offset": -50.0, "gain": 10.0})
    return path


def _sidecar(path):
    np.save(path, COUNTS)
    path.with_suffix(".json").write_text(json.dumps({"offset": -50, "gain": 10}), encoding="utf-8")
    return path


def _rpl(path):
    return write_ripple(path.parent, COUNTS, extra="depth-scale\t10\ndepth-origin\t-50\n")


@pytest.mark.parametrize(
    "make, name", [(_h5, "s.h5"), (_zarr, "s.zarr"), (_sidecar, "s.npy"), (_rpl, "scan.rpl")]
)
def test_a_calibration_without_units_in_ev_reads_in_ev_in_every_reader(tmp_path, make, name):
    """Offset -50 and gain 10 with no unit are eV (no detector has 10 keV channels). HDF5, zarr
    and sidecar attributes read them as keV, dropped as implausible ("gain 10 keV/channel is
    outside ..."), while a ripple header took eV silently; one rule (unitless_unit) now reads
    them in eV everywhere, with a warning naming the file and the assumption."""
    path = make(tmp_path / name)
    with pytest.warns(UserWarning, match="name no energy unit: read in eV") as told:
        cube = read_cube(path, auto_calibrate=False)
    assert all("implausible" not in str(w.message) for w in told)
    named = path.with_suffix(".json") if name.endswith(".npy") else path  # the sidecar holds it
    assert any(str(w.message).startswith(f"{named}: ") for w in told)
    assert (cube.calibration.source, cube.calibration.offset, cube.calibration.gain) == (
        "file",
        pytest.approx(-0.05),
        pytest.approx(0.01),
    )


@pytest.mark.parametrize("make, name", [(_h5, "s.h5"), (_rpl, "scan.rpl")])
def test_a_calibration_without_units_in_kev_stays_kev_untold(tmp_path, make, name):
    """A guard: offset -0.05 and gain 0.01 with no unit are keV, the documented default, read so
    without a warning."""
    path = make(tmp_path / name)
    if name.endswith(".h5"):
        import h5py

        with h5py.File(path, "r+") as f:
            f["data"].attrs["offset"], f["data"].attrs["gain"] = -0.05, 0.01
    else:
        text = path.read_text(encoding="utf-8").replace("\t10\n", "\t0.01\n")
        path.write_text(text.replace("\t-50\n", "\t-0.05\n"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path, auto_calibrate=False)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.05, 0.01))
