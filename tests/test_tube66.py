"""Session 66, tube66: the scan's X-ray tube guess and the calibration record."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_revB64 import _saved_default  # noqa: E402


def test_pigments_note_names_the_tube_given_with_no_auto_calibration(tmp_path):
    """`pigments --anode Cu --no-auto-calibration` on a project whose saved automatic
    calibration assumed Rh: the first note said "leave out --no-auto-calibration to fit it for
    another tube given with --anode", though Cu was given (calibration_notes knows only the
    fit's anode, not --anode). It names the tube given to read_cube, as `info` does. Fails on
    the parent: "another tube given with --anode"."""
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    path = _saved_default(tmp_path)
    cube = read_cube(path, anode="Cu", auto_calibrate=False)
    first = calibration_notes(cube, InstrumentProfile(anode="Cu"), auto_off=True)[0]
    assert "leave out --no-auto-calibration to fit it for the Cu tube given" in first, first
    cube = read_cube(path, auto_calibrate=False)  # none given: the option is named
    first = calibration_notes(cube, InstrumentProfile(anode="Rh"), auto_off=True)[0]
    assert "to fit it for another tube given with --anode" in first, first


def _with_mo_lines(can, share):
    """A canonical sum with a pigment's Mo K-alpha lines added as a 150 eV detector's Gaussians
    (no Compton band), their peak `share` x the sum's highest, Poisson noise drawn over it."""
    import numpy as np

    from xrf_napari.energy import canonical_edges
    from xrf_napari.physics.detector import sigma_kev

    edges = canonical_edges()
    e, s = (edges[:-1] + edges[1:]) / 2, sigma_kev(17.44, 150.0)
    lines = sum(w * np.exp(-0.5 * ((e - x) / s) ** 2) for x, w in ((17.479, 1.0), (17.374, 0.52)))
    return np.random.default_rng(0).poisson(can + share * can.max() * lines).astype(float)[None]


def _canonical_sum(tmp_path, anode, seed):
    """The canonical sum of test_tubeB64's generated scan of `anode` (45 kV, 150 deg)."""
    import numpy as np
    from test_tubeB64 import _generated

    from xrf_napari.energy import to_canonical_matrix

    path, cal = _generated(tmp_path, anode, seed)
    data = np.load(path).astype(np.float64)
    total = data.reshape(-1, data.shape[-1]).sum(axis=0)
    return total @ to_canonical_matrix(cal, total.size)


def test_a_pigments_mo_lines_on_a_w_tube_are_not_read_as_a_mo_tube(tmp_path):
    """A generated W tube's scan (45 kV, 150 deg) with a pigment's Mo K-alpha lines as high as
    its highest peak: the lines' own Gaussian spill into Mo's Compton band (17.11 keV and below)
    passed for the band of a Mo tube's scatter, and the scan was read as a Mo tube (hand-added
    Mo lines at 0.2-1 x the highest peak: 6-239 of 966 Rh, Ag, W, Cu, Cr tubes' sums). A band
    the line's spill makes half or more of is no tube's (band_beyond_spill). Fails on the
    parent: "Mo"."""
    from xrf_napari.analysis.tube_guess import guess_anode

    can = _canonical_sum(tmp_path, "W", 2)
    assert guess_anode(can[None]) is None  # a W tube: cannot tell
    assert guess_anode(_with_mo_lines(can, 1.0)) is None


def test_a_mo_tube_with_a_mo_pigment_is_still_read_as_mo(tmp_path):
    """A guard: a generated Mo tube's scan with the same pigment's Mo lines at 0.3 x its highest
    peak is still read as a Mo tube: the lines' spill makes under half of its Compton band."""
    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_with_mo_lines(_canonical_sum(tmp_path, "Mo", 1), 0.3)) == "Mo"
