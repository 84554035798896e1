"""Review of session 42's --help and quicklook commits (review42b): tiny synthetic cubes, no model
loaded or trained."""

import numpy as np

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration, off_grid_refusal
from xrf_napari.io import read_cube
from xrf_napari.io.project_h5 import write_cube


def _low_axis_scan(tmp_path, peaks):
    """A 6 x 6 scan on a 0-0.97 keV axis (gain 3.8 eV per channel, 256 channels): wholly below the
    models' 1-26.6 keV, so embed, recolour and pigments refuse it; `peaks` (keV, height) stand
    out of a flat background."""
    energy = 0.0038 * (np.arange(256) + 0.5)
    mean = np.full(256, 5.0)
    for e, h in peaks:
        mean += h * np.exp(-0.5 * ((energy - e) / 0.025) ** 2)
    counts = np.random.default_rng(0).poisson(mean, (6, 6, 256)).astype(np.uint16)
    return write_cube(tmp_path / "low.h5", counts, Calibration(0.0, 0.0038))


def test_quicklook_maps_a_line_on_an_axis_the_models_refuse_and_says_to_check_the_calibration(
    tmp_path, capsys
):
    """User guide section 2: on a scan whose axis lies wholly outside 1-26.6 keV, embed, recolour
    and pigments refuse it and "quicklook writes the spectrum and says the axis lies outside what
    they read: check the calibration". 5fd3c00 said so only where no line stood out: on a
    0-0.97 keV axis with a peak at 0.93 keV, quicklook mapped Cu L-alpha and said nothing of the
    axis, while `xrf-napari embed` then refused the scan. It now warns, naming the axis."""
    scan = _low_axis_scan(tmp_path, [(0.93, 200), (0.95, 60)])
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "low_Cu_La.png" in captured.out, captured.out  # the line is still mapped
    err = " ".join(captured.err.split())
    assert "warning:" in err and "low.h5" in err, err
    assert "wholly outside the 1-26.6 keV" in err and "embed, recolour and pigments" in err, err
    assert "check the calibration" in err, err
    # the commands it warns of do refuse the scan (their check, without loading torch here)
    assert off_grid_refusal(read_cube(scan), "the models")


def test_quicklook_on_an_axis_inside_the_models_grid_gives_no_calibration_warning(tmp_path, capsys):
    """Guard: the warning follows the models' refusal (energy.off_grid_refusal) exactly; an axis
    reaching 1 keV (partly inside 1-26.6 keV, which embed accepts) gets none."""
    energy = 0.004 * (np.arange(256) + 0.5)  # 0-1.02 keV
    mean = 5.0 + 200 * np.exp(-0.5 * ((energy - 0.93) / 0.025) ** 2)
    counts = np.random.default_rng(0).poisson(mean, (6, 6, 256)).astype(np.uint16)
    scan = write_cube(tmp_path / "edge.h5", counts, Calibration(0.0, 0.004))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "edge_Cu_La.png" in captured.out, captured.out
    assert "check the calibration" not in captured.err, captured.err
