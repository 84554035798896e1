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


@pytest.mark.parametrize("mapped, neighbour", [("Si", "P"), ("P", "Si")])
def test_neighbour_in_a_small_patch_judged_by_the_survey_tiles(mapped, neighbour):
    """Smalt (Si) with 36 px of bone black (P) among 4,096, P not suggested: P's map did not read
    the patch in the scan's sum (its noise over the whole scan), so P was not taken out of Si's
    map and Si read -21 % in the patch (forward model, Ti-white ground, 165 eV, 2,000 counts a
    pixel; -17 % here), P beside Si -39 % here. The survey's tiles and groups (iter_survey) show
    it: taken out, the mixed pixel's map within 1 % of the pure one's. Tiles holding none of it
    take nothing out."""
    kw = {"fwhm_mn_ev": 165.0, "escape": True}
    own = template_spectrum(mapped, 100, **kw)
    rows = np.array([own, own + template_spectrum(neighbour, 100, **kw)]) + 50.0
    cube = cube_from_array(
        rows[None].astype(np.float32), CANONICAL_CAL, profile={"fwhm_mn_ev": 165.0, "anode": "Rh"}
    )
    bare = np.array([256 * rows[0]] * 16)
    tiles = bare.copy()
    tiles[-1] = 220 * rows[0] + 36 * rows[1]
    said = f"{neighbour} lines taken out by a map of {neighbour} (not counted present)"
    for t, taken in ((None, False), (bare, False), (tiles, True)):
        plans, w = M.plan_for_cube(
            cube, [mapped], present=["Ca", "As"], spectrum=tiles.sum(axis=0), tiles=t
        )
        assert (said in plans[0].note) is taken
    alone, both = rows @ w[:, 0].astype(np.float64)
    assert both == pytest.approx(alone, rel=0.01)


def test_quicklook_plans_with_the_survey_tiles(monkeypatch):
    """quicklook (choose_maps) planned with the survey's sum only, so a neighbour in a small
    patch was judged absent; it hands plan_for_cube the survey's tile and group sums, as the
    Elemental maps dock does (SURVEYS.spectra, _maps_job's `tiles`)."""
    from xrf_napari.cli.quicklook_cmd import choose_maps

    got = {}
    real = M.plan_for_cube

    def spy(*args, **kw):
        got.update(kw)
        return real(*args, **kw)

    monkeypatch.setattr(M, "plan_for_cube", spy)
    y = template_spectrum("Si", 1e4) + 10.0
    cube = cube_from_array(
        np.broadcast_to(y, (2, 2, y.size)).astype(np.float32),
        CANONICAL_CAL,
        profile={"fwhm_mn_ev": 140.0, "anode": "Rh"},
    )
    choose_maps(cube, elements=["Si"])
    assert got["tiles"] is not None and np.shape(got["tiles"])[-1] == y.size
