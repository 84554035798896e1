"""Review of the session-60 elemental-maps commits (revM60)."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M


def test_a_window_between_a_resolved_doublet_says_so():
    """9cc35a39 scaled window maps to their family's transitions: W K-alpha1 and 2 lie 1.34 keV
    apart, and the window at their mean (58.54-59.12 keV) reads neither, so a pure W K-alpha
    map read -0.41 of its counts on the parent; since then it was refused as "narrower than a
    channel of this cube", at 12-80 eV channels alike. It is refused naming the lines."""
    edges = np.linspace(0.0, 81.92, 4097)  # 20 eV channels
    (plan,) = M.plan_maps(["W"], (0.0, 81.92), fwhm_mn_ev=140.0, lines={"W": "Ka"})
    with pytest.raises(ValueError, match=r"lies between its lines \(57\.98, 59\.32 keV\)") as e:
        M.weight_matrix([plan], edges, fwhm_mn_ev=140.0)
    assert "narrower than a channel" not in str(e.value)
    # a window truly narrower than a channel still says so
    coarse = np.linspace(0.0, 40.96, 41)  # 1 keV channels
    (fe,) = M.plan_maps(["Fe"], (0.0, 40.96), fwhm_mn_ev=140.0)
    with pytest.raises(ValueError, match="narrower than a channel"):
        M.weight_matrix([fe], coarse, fwhm_mn_ev=140.0, escapes=False)
