"""Session 40 tidy-ups: HDF5 filter advice (io/limits.check_filters) and quicklook's exit status."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


# -- check_filters: szip is HDF5's own filter, not one hdf5plugin supplies ----------------------
def test_a_missing_szip_filter_advises_an_h5py_with_szip_not_hdf5plugin(tmp_path, monkeypatch):
    """A real szip-compressed file (written here, where HDF5 has szip), read as on an h5py whose
    HDF5 lacks szip (filter_avail made to say filter 4 is unavailable; the decoder itself is not
    removed). It was told to `pip install hdf5plugin`, which provides no szip filter."""
    import h5py

    if not h5py.h5z.filter_avail(4):
        pytest.skip("this h5py cannot write szip")
    path = tmp_path / "szip.h5"
    cube = np.arange(4 * 4 * 64, dtype=np.uint16).reshape(4, 4, 64)
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=cube, compression="szip", chunks=(2, 2, 64))
    real = h5py.h5z.filter_avail
    monkeypatch.setattr(h5py.h5z, "filter_avail", lambda code: code != 4 and real(code))
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "filter 4 (szip)" in msg, msg
    assert "conda-forge" in msg and "not a plugin" in msg, msg
    assert "pip install hdf5plugin" not in msg, msg


# -- quicklook: --elements none of which could be mapped; an axis beyond any X-ray line --------
def test_quicklook_exits_1_when_no_named_element_could_be_mapped(tmp_path, capsys):
    """`quicklook SCAN --elements Fe` on a scan automatic calibration cannot calibrate explained
    itself but exit 0 with no map made, so a script could not tell the maps it asked for were
    missing. Now exit 1, after writing the spectrum (what it could), saying so on stderr."""
    from xrf_napari.cli.main import main

    scan = tmp_path / "noise.npy"
    np.save(scan, np.random.default_rng(0).poisson(2, (4, 4, 256)).astype(np.uint16))
    out = tmp_path / "q"
    argv = ["quicklook", str(scan), "-o", str(out), "--elements", "Fe", "--no-progress"]
    assert main(argv) == 1
    said = capsys.readouterr()
    assert "the --elements named need a calibration" in " ".join(said.out.split())
    assert "none of the --elements named (Fe) could be mapped" in said.err
    assert sorted(p.name for p in out.iterdir()) == ["noise_sum_spectrum.png"]


def test_quicklook_without_elements_on_an_uncalibrated_scan_still_exits_0(tmp_path, capsys):
    """Guard: the automatic suggestion with nothing to map asked for no map: exit 0, as before."""
    from xrf_napari.cli.main import main

    scan = tmp_path / "noise.npy"
    np.save(scan, np.random.default_rng(0).poisson(2, (4, 4, 256)).astype(np.uint16))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    assert "no element maps" in capsys.readouterr().out


def test_quicklook_on_an_axis_far_beyond_any_line_says_to_check_the_calibration(tmp_path, capsys):
    """A calibrated axis reaching 1199 keV (1 keV a channel, the most the readers accept: a gain
    of 1 eV read as keV) with no line standing out was advised '--elements (e.g. Fe,Pb,Hg) maps
    the elements you name', as if the axis were sound; only an axis ending below 0.1 keV got
    'check the calibration'."""
    from xrf_napari.cli.main import main
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(0).poisson(5, (4, 4, 1200)).astype(np.uint16)
    scan = write_cube(tmp_path / "ev.h5", counts, Calibration(0.0, 1.0))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "no element line stands out of the spectrum" in out, out
    assert "check the calibration" in out and "--elements" not in out, out
