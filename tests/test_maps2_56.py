"""Elemental maps (analysis.maps), session 56's second pass: P's window map on a silicon-rich
ground.

P K-alpha mapped by its window (none of Hg, Pb, S, Sr present) has its side windows on Si
K-alpha: pure Si read P -18.7 % of its counts on a 165 eV detector, -63 % at 230 eV. Si's lines
are taken out of P's window by Si's map now, as P's are out of Si's (STRIP_GROUPS).
"""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import CANONICAL_N_CHANNELS


@pytest.mark.parametrize("fwhm", [165.0, 230.0])
def test_p_window_map_reads_no_phosphorus_in_pure_silicon(fwhm):
    """Pure Si (1e5 counts) read P -19.7 % (165 eV) and -63.4 % (230 eV) of its counts with Si
    present: now none, and pure P still reads its own (99.1 %, 101.9 %, as before)."""
    kw = {"fwhm_mn_ev": fwhm, "escape": True}
    rows = np.array([template_spectrum(s, 1e5, **kw) + 10.0 for s in ("Si", "P")])
    cube = cube_from_array(
        rows[None].astype(np.float32), CANONICAL_CAL, profile={"fwhm_mn_ev": fwhm, "anode": "Rh"}
    )
    assert cube.n_channels == CANONICAL_N_CHANNELS

    plans, w = M.plan_for_cube(cube, ["P"], present=["Si"])
    assert plans[0].method == "window"
    assert "Si lines taken out by a map of Si (not shown)" in plans[0].note
    si, p = rows @ w[:, 0].astype(np.float64)
    assert abs(si) < 0.002 * 1e5
    assert p == pytest.approx(1e5, rel=0.02)
