"""Review of session 54's map fit groups (analysis.maps.FIT_GROUPS: P with Hg/S/Pb/Sr, Co with Fe,
Mn with Cr, Cr with Ba) and the pigment fit's flagged instrument notes (pigment_fit.AssumedNote).

Guards: the Co fit still separates iron's K-beta on an axis that ends between Co K-alpha and Fe
K-beta (the window read 3 % of iron's K-alpha as Co there), its noise at an iron-rich pixel
is no worse than the window's (also with a wide or wrongly given detector width), and the flag
that tells an assumed anode or resolution survives pickling (a worker) and copying.
"""

import copy
import json
import pickle

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, CANONICAL_N_CHANNELS, template_spectrum
from test_instrument44 import _Cube

from xrf_napari.analysis import maps as M

PRESENT = ["Co", "Fe", "Ca", "Mn", "Ni"]


def _co_column(edges, fwhm_mn_ev, fit_groups=None):
    kw = {"fwhm_mn_ev": fwhm_mn_ev, "present": PRESENT}
    if fit_groups is not None:
        kw["fit_groups"] = fit_groups
    plans = M.plan_maps(["Co"], (float(edges[0]), float(edges[-1])), **kw)
    return plans[0], M.weight_matrix(plans, edges, **kw)[:, 0].astype(np.float64)


def test_cobalt_fit_on_an_axis_ending_between_co_k_alpha_and_fe_k_beta():
    """A guard: spectra cut at 7.0 keV (Co K-alpha 6.93 inside, Fe K-beta 7.06 beyond): iron
    (1e5 counts of K-alpha) reads no Co (by the window 3 039, 3 %), cobalt's 1e4 read in full."""
    edges = CANONICAL_CAL.edges(CANONICAL_N_CHANNELS)
    n = int(np.searchsorted(edges, 7.0 + 1e-9)) - 1
    assert edges[n] == pytest.approx(7.0)
    plan, col = _co_column(edges[: n + 1], 140.0)
    assert plan.method == "fit"
    iron, cobalt = (template_spectrum(x, a)[:n] + 20.0 for x, a in (("Fe", 1e5), ("Co", 1e4)))
    assert abs(iron @ col) < 0.002 * 1e5, iron @ col
    assert cobalt @ col == pytest.approx(1e4, rel=0.01)


@pytest.mark.parametrize(("true_ev", "given_ev"), [(140.0, 140.0), (250.0, 250.0), (180.0, 140.0)])
def test_cobalt_fit_noise_at_an_iron_pixel_no_worse_than_the_window(true_ev, given_ev):
    """A guard: the Co fit beside Fe (templates 0.13 keV apart, 0.5 FWHM at 250 eV; or the
    detector's width given wrong) does not amplify the noise: its Poisson standard deviation on
    an iron spectrum of 1e4 counts is at most the window's (140 eV: 20.3 against 22.6)."""
    edges = CANONICAL_CAL.edges(CANONICAL_N_CHANNELS)
    lam = template_spectrum("Fe", 1e5, fwhm_mn_ev=true_ev) + 20.0
    lam *= 1e4 / lam.sum()
    (fit, w_fit), (window, w_window) = (_co_column(edges, given_ev, g) for g in (None, {}))
    assert (fit.method, window.method) == ("fit", "window")
    sd_fit, sd_window = (np.sqrt(w**2 @ lam) for w in (w_fit, w_window))
    assert sd_fit <= sd_window, (sd_fit, sd_window)


def test_assumed_notes_survive_pickling_and_copying():
    """A guard: the notes go to a worker (pickled) and into reports (copied, written as JSON):
    the flag that tells an assumed anode, voltage or resolution survives, the text unchanged."""
    from xrf_napari.analysis import pigment_fit as pf

    _, notes = pf.instrument_for(_Cube({}))
    assert pf._missing(notes) == (True, True)
    copies = [
        pickle.loads(pickle.dumps(notes, protocol=p)) for p in range(pickle.HIGHEST_PROTOCOL + 1)
    ]
    copies += [copy.deepcopy(notes), copy.copy(notes)]
    for other in copies:
        assert other == notes and pf._missing(other) == (True, True)
        assert pf.estimation_trials(other) == pf.estimation_trials(notes)
    assert json.loads(json.dumps(notes)) == [str(n) for n in notes]
