"""Session 67, tube67: the scan's X-ray tube guess and the resolution grid it shares."""


def test_the_spill_width_and_the_fits_resolution_grid_are_one_source():
    """tube_guess.SPILL_FWHM_EV repeated max(pigment_fit.FWHM_GRID) as a literal 185.0: widening
    the fit's grid left the tube guess's spill at 185 eV. Both now read physics.detector's grid."""
    from xrf_napari.analysis import pigment_fit, tube_guess
    from xrf_napari.physics.detector import FWHM_GRID

    assert pigment_fit.FWHM_GRID is FWHM_GRID
    assert tube_guess.SPILL_FWHM_EV == max(FWHM_GRID)


def _with_mo_lines(can, share):
    """A canonical sum with every Mo K line (elements.transition_lines, K-beta2 at 19.96 keV too)
    added as a paint's: Mo K-alpha1 at `share` x the sum's highest count, at 140 eV."""
    import numpy as np

    from xrf_napari.elements import transition_lines
    from xrf_napari.energy import canonical_edges
    from xrf_napari.physics.detector import sigma_kev

    edges = canonical_edges()
    e = (edges[:-1] + edges[1:]) / 2
    lines = [(t.energy, t.weight) for t in transition_lines("Mo") if t.family in ("Ka", "Kb")]
    top = max(w for _, w in lines)
    mo = sum(w / top * np.exp(-0.5 * ((e - c) / sigma_kev(c, 140.0)) ** 2) for c, w in lines)
    return can + share * can.max() * mo


def test_a_mo_tube_over_lead_molybdate_is_read_as_mo(tmp_path):
    """A Mo tube's scan of a lead molybdate paint (50 kV, 80 deg): the paint's Mo K-beta2
    (19.96 keV) lifted Rh K-alpha's window, so Rh showed beside Mo and the guess could not tell
    (13 of 108 revT66 Mo tubes' scans of it; through read_cube 2 of them Rh by default, 7.6 keV
    off). Rh K-alpha's window is weighed less the lines the paint's Mo puts in it. Fails on the
    parent: None."""
    from test_revT66 import _molybdate_sum

    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_molybdate_sum(tmp_path, "Mo")) == "Mo"


def test_a_paints_mo_lines_over_a_w_tube_are_no_rh_tube(tmp_path):
    """A W tube's scan with a paint's Mo K lines at 0.5 x its highest peak was read as a Rh
    tube: Mo K-beta2 in Rh K-alpha's window, Mo K-beta in Rh's Compton band (403 of 528 such
    Ag, W, Cu and Cr tubes' sums, /work/runs67/tube67/kb2phys.py). Fails on the parent: "Rh"."""
    from test_revT66 import _molybdate_sum

    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_with_mo_lines(_molybdate_sum(tmp_path, "W")[0], 0.5)[None]) is None


def test_a_rh_tube_with_a_paints_mo_lines_is_still_rh(tmp_path):
    """A guard: a Rh tube's scan of the same paint with the same Mo lines added is still Rh."""
    from test_revT66 import _molybdate_sum

    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_with_mo_lines(_molybdate_sum(tmp_path, "Rh")[0], 0.5)[None]) == "Rh"
