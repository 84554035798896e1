"""Elemental maps (analysis.maps, the Elemental maps dock): two more neighbours' lines taken out
of a window by their own maps (STRIP_GROUPS: P from Si K-alpha, Hg from Se K-alpha), their note
given only where something is taken out, the FWHM box's words with no scan chosen, and the
detector width read from Se and Sr K-alpha where cadmium's L lines crowd the lighter ones.

Paints are sums of tests/_spectra.py's line templates (xraylib ratios, Si escape peaks) on the
canonical 50 eV grid at a 165 eV detector. On test_maps55's forward-model swatches over chalk
(/work/runs56/maps56/measure2.py 165) bone black's Si read -22.0 % of smalt's, now -0.8 %;
vermilion's Se -2.6 % of cadmium red's, now +1.1 %.
"""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import CANONICAL_N_CHANNELS

#: Each paint's line areas (counts).
PAINTS = {
    "Bone black": {"P": 4e4, "Ca": 6e5, "Sr": 1.5e4},
    "Smalt": {"Si": 4e4, "K": 7e4, "Co": 5e4, "Ca": 1e5},
    "Chalk": {"Ca": 6e5, "Si": 500.0, "Sr": 1.5e4},
    "Vermilion": {"Hg": 4e5, "S": 7e4, "Ca": 1e5},
    "Cadmium red": {"Cd": 1e4, "Se": 3e5, "S": 7e4, "Ca": 5e3},
}
#: The elements mapped, all counted present.
MAPPED = ["P", "Si", "Ca", "K", "Sr", "Hg", "Se", "Cd", "S", "Co"]


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture(scope="module")
def paints():
    kw = {"fwhm_mn_ev": 165.0, "escape": True}
    rows = [
        sum(template_spectrum(s, a, **kw) for s, a in m.items()) + 20.0 for m in PAINTS.values()
    ]
    profile = {"fwhm_mn_ev": 165.0, "anode": "Rh"}
    return cube_from_array(np.array([rows], np.float32), CANONICAL_CAL, profile=profile)


def _maps(cube, symbols):
    plans, w = M.plan_for_cube(cube, symbols, present=symbols)
    values = np.asarray(cube.data[0], dtype=np.float64) @ w.astype(np.float64)
    by_paint = {
        paint: {p.symbol: float(values[i, j]) for j, p in enumerate(plans)}
        for i, paint in enumerate(PAINTS)
    }
    return {p.symbol: p for p in plans}, by_paint


def test_bone_black_reads_no_silicon(paints):
    """Bone black (calcium phosphate) read Si at -16 % of smalt's: Si K-alpha's upper side
    window sits on P K-alpha's flank (1 FWHM above). P's lines are now taken out by P's own map
    (that map's escape corrections made first: on the forward-model swatches chalk's Si read 1.9
    times itself while P's map still held Ca's escape peak); smalt's and chalk's Si stay as
    without phosphorus."""
    plans, maps = _maps(paints, MAPPED)
    smalt = maps["Smalt"]["Si"]
    assert smalt == pytest.approx(4e4, rel=0.03)
    assert abs(maps["Bone black"]["Si"]) < 0.01 * smalt
    assert "P lines taken out by the P map" in plans["Si"].note
    alone = _maps(paints, [s for s in MAPPED if s != "P"])[1]
    for paint in ("Smalt", "Chalk"):
        assert maps[paint]["Si"] == pytest.approx(alone[paint]["Si"], rel=0.01), paint


def test_vermilion_reads_no_selenium(paints):
    """Vermilion read Se at -4 % of cadmium red's: Hg's L lines at 11.48-11.56 keV in Se
    K-alpha's upper side window. Hg's lines are taken out by Hg's map; cadmium red's Se is as
    without mercury."""
    plans, maps = _maps(paints, MAPPED)
    red = maps["Cadmium red"]["Se"]
    assert red == pytest.approx(3e5, rel=0.03)
    assert abs(maps["Vermilion"]["Se"]) < 0.005 * red
    assert "Hg lines taken out by the Hg map" in plans["Se"].note
    alone = _maps(paints, [s for s in MAPPED if s != "Hg"])[1]
    assert red == pytest.approx(alone["Cadmium red"]["Se"], rel=1e-3)


def test_taken_out_note_only_where_lines_are_taken_out():
    """Hg L-alpha's note said "Zn lines taken out by the Zn map" wherever zinc was present; with
    Subtract background off, on a 140 eV detector, its window's response to Zn's lines is 8e-6
    per count (under ESCAPE_MIN) and nothing was taken out. The note now follows the maps."""
    cube = cube_from_array(
        np.ones((1, 1, CANONICAL_N_CHANNELS), np.float32),
        CANONICAL_CAL,
        profile={"fwhm_mn_ev": 140.0, "anode": "Rh"},
    )
    said = "Zn lines taken out by the Zn map"
    with_bg = M.plan_for_cube(cube, ["Hg", "Zn"])[0][0]
    without = M.plan_for_cube(cube, ["Hg", "Zn"], background=False)[0][0]
    assert with_bg.symbol == without.symbol == "Hg"
    assert said in with_bg.note
    assert said not in without.note


def test_fwhm_box_with_no_scan_names_the_default(make_napari_viewer):
    """The FWHM box said "from file (140 eV)" with no scan chosen (there is no file), and kept
    a closed scan's "from file (165 eV)" after it: it says "default (140 eV)" then."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    dock = ElementMapsWidget(make_napari_viewer())
    assert dock.fwhm_spin.specialValueText() == "default (140 eV)"
    said = cube_from_array(
        np.ones((2, 2, CANONICAL_N_CHANNELS), np.float32),
        CANONICAL_CAL,
        profile={"fwhm_mn_ev": 165.0, "anode": "Rh"},
    )
    dock._name_unset_fwhm(said)  # as on_cube does for a scan chosen
    assert dock.fwhm_spin.specialValueText() == "from file (165 eV)"
    dock.on_cube(None)  # the scan closed
    assert dock.fwhm_spin.specialValueText() == "default (140 eV)"


@pytest.mark.parametrize("fwhm", [125.0, 165.0, 230.0])
def test_width_read_where_cadmium_crowds_every_light_k_alpha(fwhm):
    """Cadmium red over chalk: S K-alpha lies under Pb M-alpha's place, Ca and K K-alpha among
    Cd's L lines, and only K-alpha peaks of 1.5-10 keV were read: no width (the default 140 eV,
    whatever the detector). Se and Sr K-alpha (11.2, 14.2 keV) are read now, less their K-alpha1
    and 2 spread (40 and 67 eV): within 3 %."""
    areas = {"Cd": 3e7, "Se": 3e7, "S": 1e7, "Ca": 3e6, "Sr": 1e6}
    y = sum(template_spectrum(s, a, fwhm_mn_ev=fwhm, escape=True) for s, a in areas.items())
    edges = CANONICAL_CAL.edges(CANONICAL_N_CHANNELS)
    assert M.fwhm_from_spectrum(y + 20.0, edges) == pytest.approx(fwhm, rel=0.03)
