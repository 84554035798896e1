import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array


def test_p_beside_vermilion_fits_its_sulfur_not_counted_present():
    """Vermilion (HgS) in bone black, S not suggested (its K-alpha hides under Hg M-beta): P's fit
    with Hg alone gave S's counts to the Hg template and its misfit to P, and 64 px of vermilion
    read +79 to +109 % of their P counts (forward model, 165 eV, Ti-white ground, 2,000 counts a
    pixel; +121 % here). S is fitted beside Hg (FIT_COMPANIONS) and the note says so."""
    kw = {"fwhm_mn_ev": 165.0, "escape": True}
    p = template_spectrum("P", 100, **kw)
    verm = template_spectrum("Hg", 1500, family="Ma", **kw) + template_spectrum("S", 700, **kw)
    rows = np.array([p, p + verm]) + 50.0
    cube = cube_from_array(
        rows[None].astype(np.float32), CANONICAL_CAL, profile={"fwhm_mn_ev": 165.0, "anode": "Rh"}
    )
    plans, w = M.plan_for_cube(cube, ["P"], present=["P", "Hg"], spectrum=rows.sum(axis=0))
    assert plans[0].method == "fit"
    assert "S fitted too (not counted present)" in plans[0].note
    alone, both = rows @ w[:, 0].astype(np.float64)
    assert both == pytest.approx(alone, rel=0.02)
