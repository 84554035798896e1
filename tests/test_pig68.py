"""Session 68, pigment candidates' listed lines (#14): an M line lacking its L-alpha comes after
other names where that L-alpha, at the least height the tube gives it, would stand above
detection; a peak at a Cr tube's K-beta that the Cr K-alpha left explains is chromium's."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import FWHM_EV, _spectrum

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile


def _cr_lobe(counts: float, anode: str = "Cr") -> list[str]:
    """A main-table Cr-tube chrome yellow's "Red lead + Viridian" candidate (30 kV): a peak at
    2.19 keV beside fitted Pb M-alpha, no Hg L-alpha at 9.99 keV, a gypsum ground with Sr."""
    prof = InstrumentProfile(anode=anode, kv=30.0, fwhm_mn_ev=172.0)
    e, y, model = _spectrum([(2.345, 2e3), (10.55, 3e4)], [(2.19, counts)])
    got = pf._residual_lines(
        y, model, pf._weights(y), e, prof, frozenset({"Pb", "Cr"}), frozenset({"Ca", "S", "Sr"})
    )
    return [f"{ln.element} {ln.family}" for ln in got]


def test_no_mercury_where_even_a_cr_tubes_weak_hg_l_alpha_would_show():
    """Fails on the parent (["Hg Ma"]): under a Cr tube a thin layer's Hg L-alpha stands under a
    quarter as high as its M-alpha (peaks.line_height_ratio), under the half (MAIN_LINE_SHARE) the
    parent asked for, so a missing Hg L-alpha was taken to say nothing and the chrome yellow
    swatch's peak read "Hg Ma 2.18 keV" with no mercury there. A quarter of 1,500 counts would stand
    ~20 sigma over the continuum at 9.99 keV (peaks.line_detectable): the missing line rules Hg
    out and the ground's Sr L-gamma, of equal support, names the peak (set aside as the ground's).
    A 300-count peak's quarter (~70 counts, 4 sigma) could hide: Hg is named as before."""
    from xrf_napari.analysis.peaks import line_height_ratio

    assert line_height_ratio("Hg", "La", "Ma", "Cr", 30.0, None, "air", 172.0) < 0.25
    assert _cr_lobe(1500.0) == []
    assert _cr_lobe(300.0) == ["Hg Ma"]


def test_a_weak_m_peak_still_comes_last_where_l_alpha_stands_half_as_high():
    """Fails on ed5f71eb (["Hg Ma"]): where the tube raises a thin layer's L-alpha at least half as
    high as M-alpha (MAIN_LINE_SHARE; Hg under a Rh tube at 30 kV), a missing L-alpha puts the M
    line after other names however weak the peak, as in session 67. Asking detection there too
    named weak 1.77 keV peaks "W Ma" in three fresh seed-6767 regions and a Cr-tube one, no
    tungsten in any."""
    from xrf_napari.analysis.peaks import line_height_ratio

    assert line_height_ratio("Hg", "La", "Ma", "Rh", 30.0, None, "air", 172.0) >= 0.5
    assert _cr_lobe(200.0, "Rh") == []


def test_line_detectable_is_the_element_suggestions_test():
    """The residual's test is the element suggestion's (one piece of code; new): a line of
    height h stands N_SIGMA (5) above sqrt(counts) at its energy."""
    import numpy as np

    from xrf_napari.analysis.peaks import N_SIGMA, line_detectable

    e = np.linspace(1.0, 20.0, 100)
    spec = np.full(100, 400.0)
    assert line_detectable(e, spec, N_SIGMA * 20.0 + 1.0, 10.0)
    assert not line_detectable(e, spec, N_SIGMA * 20.0 - 1.0, 10.0)


def test_a_missing_viridians_cr_k_beta_is_named_chromium_not_held_manganese():
    """Fails on the parent ("Mn Ka misfit"): under a Cr tube a viridian + raw umber region's raw
    umber candidates, lacking viridian, left its Cr K-alpha in the residual and, at Cr K-beta (5.95
    keV), a peak 1.6-2.4 times K-beta's share of that Cr K-alpha: over the tube's own (up to
    TUBE_KB_SLACK, 1.5), and named after their fitted Mn K-alpha (5.90), "Mn Ka misfit 5.93 keV".
    Where the Cr K-alpha left could give a third of the peak (MINOR_LINE_SLACK) it is the paint's
    chromium: "Cr Kb". A peak four times the share is more than chromium's and stays Mn's misfit."""
    from test_pig66 import _names

    from xrf_napari.elements import element_line

    share = element_line("Cr", "Kb").weight / element_line("Cr", "Ka").weight * 2e4
    prof = InstrumentProfile(anode="Cr", kv=30.0, fwhm_mn_ev=FWHM_EV)

    def umber(k: float) -> list:
        fitted = [(5.41, 6e4), (5.95, 8e3), (3.69, 3e4), (5.899, 5e3), (6.49, 700.0)]
        e, y, model = _spectrum(fitted, [(5.41, 2e4), (5.947, k * share)])
        held, ground = frozenset({"Mn", "Fe"}), frozenset({"Ca", "S", "Sr"})
        return _names(pf._residual_lines(y, model, pf._weights(y), e, prof, held, ground))

    assert umber(2.0) == ["Cr Kb"]
    assert umber(4.0) == ["Mn Ka misfit"]
    assert umber(1.2) == []
