"""Elemental maps, session 58 review: a STRIP_GROUPS neighbour fitted only where the channels
carry it."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


@pytest.mark.parametrize("present, gain", [(("Sr", "Ca"), 0.14), (("Pb", "S"), 0.12)])
def test_strip_neighbour_not_counted_present_fitted_only_where_channels_carry_it(present, gain):
    """9e2cd64b fits Si beside P, counted present or not. On 140 eV channels beside chalk's Sr
    that fit's row grew x 45 (P +23 % on a clean spectrum holding no Si), and on 120 eV channels
    beside Pb and S it could not be made: P fell back to its window, its note saying the channels
    were too coarse to fit it apart from Pb and S, which its parent did. Si is fitted only where
    it costs little (STRIP_FIT_NOISE); here P is fitted as before, and says nothing of Si."""
    from _spectra import template_spectrum

    cal = Calibration(0.0, gain)
    kw = {"cal": cal, "n": int(20 / gain), "fwhm_mn_ev": 140.0}
    y = sum(template_spectrum(s, 1e5, **kw) for s in ("P", *present)) + 10.0
    cube = cube_from_array(
        y[None, None].astype(np.float32), cal, profile={"fwhm_mn_ev": 140.0, "anode": "Rh"}
    )
    plans, w = M.plan_for_cube(cube, ["P"], present=present, spectrum=y)
    assert plans[0].method == "fit" and "Si" not in plans[0].note
    assert float(y @ w[:, 0]) == pytest.approx(1e5, rel=0.01)
