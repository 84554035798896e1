"""Elemental maps, session 57: a neighbour's lines under a map's side windows taken out whether
or not the neighbour is counted present."""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array


@pytest.mark.parametrize(
    "mapped, neighbour, present, own",
    # Hg: 96,884 of its 1e5 L-alpha counts until the window counted L-alpha2 (session 60); P
    # 101,713 and Pb 70,053 until the window counted the element's own other lines (maps61);
    # Pb 70,163 of its 87,301 L-beta counts until it counted L-beta3 and 4 (revM61)
    [("P", "Si", [], 100001), ("Hg", "Zn", [], 100012), ("Pb", "Se", ["As"], 87303)],
)
def test_window_map_reads_no_uncounted_neighbour(mapped, neighbour, present, own):
    """With Si not counted present P's window keeps only its lower side window, on Si K-alpha:
    pure Si (1e5 counts, 165 eV detector) read P -39.8 % of its counts and nothing stripped it;
    pure Zn read Hg -1.7 %, pure Se Pb L-beta (As present) +10.5 %. The neighbour is taken out
    by a map of it all the same: under 0.2 %, the element's own lines read as before."""
    kw = {"fwhm_mn_ev": 165.0, "escape": True}
    rows = np.array([template_spectrum(s, 1e5, **kw) + 10.0 for s in (neighbour, mapped)])
    cube = cube_from_array(
        rows[None].astype(np.float32), CANONICAL_CAL, profile={"fwhm_mn_ev": 165.0, "anode": "Rh"}
    )
    plans, w = M.plan_for_cube(cube, [mapped], present=["Ca", *present])
    assert plans[0].method == "window"
    said = f"{neighbour} lines taken out by a map of {neighbour} (not counted present)"
    assert said in plans[0].note
    other, mine = rows @ w[:, 0].astype(np.float64)
    assert abs(other) < 0.002 * 1e5
    assert mine == pytest.approx(own, rel=1e-3)
