"""Element suggestions where a low tube voltage (or a short axis) leaves an element L lines only.

An element whose K lines the tube cannot excite (K edge above kV / 1.1) or the axis does not hold
is judged by its L lines (session 32, for Ag..Ba). Mo L-alpha 2.29 keV then sat on S K-alpha 2.31,
Br L-alpha 1.48 on Al K-alpha 1.49 and Zr L-alpha 2.04 on P K-alpha 2.01: at 15-21 kV molybdenum
was offered on nearly every sulfur-bearing paint (audit 33, finding 2).
"""

import numpy as np
import pytest
from test_peaks30 import paint, suggest

AXES = {
    "0-41": {"n_channels": 2048, "offset": 0.0, "gain": 0.02},
    "0-20": {"n_channels": 1024, "offset": 0.0, "gain": 0.0195},
    "26.6": {"n_channels": 512, "offset": 1.025, "gain": 0.05, "fwhm_mn_ev": 175.0},
}


def _suggest(pigments, kv, axis, known=True):
    e, y, profile = paint(pigments, seed=0, anode="Rh", kv=kv, **AXES[axis])
    return set(suggest(e, y, profile, kv=kv if known else None))


@pytest.mark.parametrize(
    ("kv", "axis", "pigment", "false", "true"),
    [
        (15.0, "0-41", "Vermilion", "Mo", "S"),
        (21.0, "0-41", "Lithopone", "Mo", "S"),
        (20.0, "0-41", "Synthetic ultramarine", "Mo", "S"),
        (15.0, "0-41", "Bone black", "Zr", "P"),
        (12.0, "0-20", "Cobalt blue", "Br", "Al"),
        (12.0, "0-20", "Synthetic ultramarine", "Br", "Al"),
        (12.0, "0-20", "Cobalt violet", "Zr", "P"),
    ],
)
def test_an_l_line_on_a_light_elements_k_alpha_is_not_a_heavier_element(
    kv, axis, pigment, false, true
):
    """The tube voltage known (as suggest_for_cube reads it): the peak is the light element's."""
    got = _suggest([(pigment, 1.0)], kv, axis)
    assert false not in got and true in got, sorted(got)


def test_a_short_axis_does_not_offer_molybdenum_on_sulfur_either():
    """Mo's K edge (20.0 keV) above a 0-20 keV axis's end, the voltage unknown: the same rule."""
    got = _suggest([("Vermilion", 1.0)], 15.0, "0-20", known=False)
    assert "Mo" not in got and {"S", "Hg"} <= got, sorted(got)


def test_a_20_kv_file_gives_no_molybdenum_in_vermilion():
    """End to end: the voltage read from the file's metadata (audit 33's mo_cube.py)."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    e, y, profile = paint([("Vermilion", 1.0)], seed=0, anode="Rh", kv=20.0, **AXES["0-41"])
    counts = np.stack([y / 4] * 4).reshape(2, 2, -1).round().astype(np.uint32)
    meta = {"kV": 20.0, "profile": {"anode": "Rh", "fwhm_mn_ev": profile.fwhm_mn_ev}}
    got = suggest_for_cube(cube_from_array(counts, Calibration(0.0, 0.02), **meta))
    assert "Mo" not in got and {"Hg", "S"} <= set(got), list(got)


@pytest.mark.parametrize("kv", [15.0, 21.0])
@pytest.mark.parametrize("pigment", ["Lead-tin yellow I", "Lead-tin yellow II"])
def test_calcium_beside_tin_l_beta_is_kept(pigment, kv):
    """A fifth of chalk in lead-tin yellow: Ca K-alpha 3.69 keV blends with Sn L-beta, the peak
    there 1.8-2.1 times Sn L-alpha's (tin alone: 0.31-0.38). Judged by its L lines, tin took the
    peak and calcium was dropped."""
    got = _suggest([(pigment, 0.8), ("Chalk", 0.2)], kv, "0-41")
    assert {"Ca", "Sn", "Pb"} <= got, sorted(got)


def test_no_antimony_from_a_calcium_peak_on_the_sample_axis():
    """The 26.6 keV axis (Sb's K edge beyond it, 175 eV detector): Sb L-alpha 3.60 keV was read on
    the Ca K-alpha peak of lead-tin yellow over chalk."""
    got = _suggest([("Lead-tin yellow I", 1.0)], 40.0, "26.6")
    assert "Sb" not in got and "Pb" in got, sorted(got)


@pytest.mark.parametrize(
    ("kv", "axis", "pigment", "element"),
    [
        (15.0, "0-41", "Lead-tin yellow I", "Sn"),
        (21.0, "0-41", "Naples yellow", "Sb"),
        (15.0, "0-41", "Cadmium yellow", "Cd"),
        (25.0, "0-41", "Cerulean blue", "Sn"),
        (40.0, "26.6", "Naples yellow", "Sb"),
    ],
)
def test_the_l_lines_still_find_what_the_rule_was_made_for(kv, axis, pigment, element):
    """Ag..Ba under a tube too weak for their K lines (or beyond the axis) still found."""
    assert element in _suggest([(pigment, 1.0)], kv, axis)
