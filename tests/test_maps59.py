"""Elemental maps, session 59: a K line the tube's kV barely excites mapped by L-alpha."""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array


@pytest.mark.parametrize("kv, label", [(25.0, "Cd L\u03b1"), (35.0, "Cd K\u03b1")])
def test_k_line_the_tube_barely_excites_mapped_by_l_alpha(kv, label):
    """Cadmium yellow under a 25 kV tube (Cd K edge 26.71 keV): Cd was suggested by its L lines
    but mapped by K-alpha, 44 counts of background against 143,083 of Cd L-alpha (forward
    model), with no note (family_edge read no K edge for an element whose K edge lies above
    EXCITATION_KEV). Its K edge above kV / K_OVERVOLTAGE, it is mapped by L-alpha, said in the
    note; under 35 kV by K-alpha as before. Asked for K-alpha all the same, the map says it
    reads none."""
    y = template_spectrum("Cd", 1e5, family="La") + 10.0  # L lines only: K edge above 20 keV
    cube = cube_from_array(
        y[None, None].astype(np.float32),
        CANONICAL_CAL,
        profile={"fwhm_mn_ev": 140.0, "anode": "Rh", "kv": kv},
    )
    plans, w = M.plan_for_cube(cube, ["Cd"], present=["Cd"], spectrum=y)
    assert plans[0].label == label
    if kv == 25.0:
        assert plans[0].note.startswith(
            "Cd L\u03b1 used: Cd K lines need 26.7 keV to excite, above what the tube's 25 kV "
            "excites usefully"
        )
        assert float(y @ w[:, 0]) == pytest.approx(1e5, rel=0.05)
        asked, _ = M.plan_for_cube(cube, ["Cd"], present=["Cd"], spectrum=y, lines={"Cd": "Ka"})
        assert asked[0].note.startswith("Cd K\u03b1 cannot be excited here: the tube's 25 kV")
    else:
        assert "L\u03b1 used" not in plans[0].note
