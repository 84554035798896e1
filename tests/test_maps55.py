"""Elemental maps of an element absent from a swatch read ~0 (analysis.maps): the detector's Si
escape peaks and two neighbour lines under a window are taken out by the other element's own map
(maps._less_neighbours, STRIP_GROUPS).

Forward-model swatches (1e6 counts, no noise) over chalk under the panel sample's scanner at a
165 eV detector. The parent read chalk's P at 6 % of bone black's (Ca K-alpha's escape peak at
1.95 keV in the P K-alpha window), zinc white's Hg at -1.7 % of its Zn (Zn K-beta's flank in Hg
L-alpha's side window) and, with arsenic present, cadmium red's Pb L-beta at 16 % of lead white's
(Se K-beta 0.11 keV below it).
"""

import json

import h5py
import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array

PAINTS = ["Bone black", "Chalk", "Zinc white", "Vermilion", "Lead white", "Cadmium red", "Smalt"]


@pytest.fixture(scope="module")
def swatches():
    """A (1, len(PAINTS)) cube of each pure paint over chalk on the scanner's own channels."""
    from xrf_napari._sample_data import sample_path
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    with h5py.File(sample_path("panel"), "r") as f:
        profile = json.loads(f.attrs["metadata"])["profile"]
    profile.pop("name", None)
    profile["fwhm_mn_ev"] = 165.0
    model = SpectrumModel(InstrumentProfile(**profile))
    rows = []
    for paint in PAINTS:
        det = model.detect(
            model.fine([paint_layer([(get_pigment(paint), 1.0)], 20.0), ground_layer("chalk")])
        )
        rows.append(det * 1e6 / det.sum())
    p = model.profile
    return cube_from_array(
        np.array([rows], dtype=np.float32),
        p.calibration,
        profile={"fwhm_mn_ev": p.fwhm_mn_ev, "anode": p.anode},
    )


def _maps(cube, symbols, present=None):
    plans, w = M.plan_for_cube(cube, symbols, present=present or symbols)
    values = np.asarray(cube.data[0], dtype=np.float64) @ w.astype(np.float64)
    by_paint = {
        paint: {p.symbol: float(values[i, j]) for j, p in enumerate(plans)}
        for i, paint in enumerate(PAINTS)
    }
    return {p.symbol: p for p in plans}, by_paint


def test_calcium_escape_peaks_are_not_read_as_phosphorus_or_cobalt(swatches):
    """Chalk read P at +6.0 % of bone black's (P by its window beside Si and K); now under 1 %.
    Zinc white read Co +0.13 % of its Zn (Zn K-alpha's escape at 6.90 keV, on Co K-alpha) and
    chalk's own Si (1 % SiO2) -2 361, its upper side window on Ca's escape; Si is now positive."""
    plans, maps = _maps(swatches, ["P", "Ca", "Si", "K", "Co", "Zn", "Fe"])
    assert plans["P"].method == "window"
    bone = maps["Bone black"]["P"]
    assert bone > 40000
    assert abs(maps["Chalk"]["P"]) < 0.01 * bone
    assert abs(maps["Zinc white"]["Co"]) < 2e-4 * maps["Zinc white"]["Zn"]
    assert maps["Chalk"]["Si"] > 0
    # taken out by Ca's own map, Ca's is as read without the corrections (within 0.1 %)
    edges = swatches.calibration.edges(swatches.n_channels)
    plain = M.weight_matrix(
        list(plans.values()), edges, fwhm_mn_ev=165.0, present=set(plans) | {"Rh"}, escapes=False
    )
    ca = list(plans).index("Ca")
    chalk = np.asarray(swatches.data[0, PAINTS.index("Chalk")], dtype=np.float64)
    assert maps["Chalk"]["Ca"] == pytest.approx(chalk @ plain[:, ca], rel=1e-3)


def test_zinc_k_beta_is_not_read_as_negative_mercury(swatches):
    """Zinc white read Hg -1.7 % of its Zn by the window (Zn K-beta's flank in the lower side
    window); now within 0.2 %, and vermilion's Hg is as without zinc (within 0.1 %)."""
    plans, maps = _maps(swatches, ["Hg", "Zn", "Pb"])
    zinc = maps["Zinc white"]
    assert abs(zinc["Hg"]) < 0.002 * zinc["Zn"]
    assert plans["Hg"].method == "window"
    assert "Zn lines taken out by the Zn map" in plans["Hg"].note
    alone = _maps(swatches, ["Hg", "Pb"])[1]
    assert maps["Vermilion"]["Hg"] == pytest.approx(alone["Vermilion"]["Hg"], rel=1e-3)


def test_lead_l_beta_takes_no_selenium_k_beta(swatches):
    """With arsenic present Pb is mapped by L-beta, 0.11 keV above Se K-beta: cadmium red read
    Pb 16 % of lead white's. Now under 1 %, lead white's Pb as without Se (within 0.1 %)."""
    mapped = ["Pb", "As", "Se", "Cd", "S"]
    plans, maps = _maps(swatches, mapped)
    white = maps["Lead white"]["Pb"]
    assert abs(maps["Cadmium red"]["Pb"]) < 0.01 * white
    assert plans["Pb"].label == "Pb L\u03b2" and plans["Pb"].method == "window"
    assert "Se lines taken out by the Se map" in plans["Pb"].note
    without = _maps(swatches, ["Pb", "As", "Cd", "S"])[1]
    assert white == pytest.approx(without["Lead white"]["Pb"], rel=1e-3)


def test_line_features_keep_the_trained_weights():
    """A guard: the recolourisers' line features (trained on maps without the escape and
    neighbour corrections, their windows scaled to one Gaussian) are weight_matrix's columns
    without them."""
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS, line_features
    from xrf_napari.detector import DEFAULT_FWHM_MN_EV
    from xrf_napari.energy import canonical_edges

    edges = canonical_edges()
    kw = {
        "fwhm_mn_ev": float(DEFAULT_FWHM_MN_EV),
        "present": set(FEATURE_ELEMENTS),
        "fit_groups": M.FIT_GROUPS_V1,
    }
    # Sr by K-alpha, as trained (the maps take K-beta beside Hg: K_BETA_INSTEAD, maps61)
    kept = {s: f for s, f in M.K_BETA_INSTEAD if s in FEATURE_ELEMENTS}
    plans = M.plan_maps(FEATURE_ELEMENTS, (float(edges[0]), float(edges[-1])), lines=kept, **kw)
    corrected = M.weight_matrix(plans, edges, **kw)
    assert not np.array_equal(line_features().weights, corrected)
    np.testing.assert_array_equal(
        line_features().weights,
        M.weight_matrix(plans, edges, escapes=False, doublets=False, **kw),
    )


def test_detector_width_read_from_the_scan_where_the_file_gives_none(swatches):
    """A scan whose file gives no detector FWHM was mapped with the default 140 eV windows: the
    165 eV detector's zinc white read Zn 8 % low (chalk's Ca 14 %). Now the width is read from
    the scan's own K-alpha peaks (166.7 eV), said in each map's note; a file's or the user's
    width still wins."""
    from xrf_napari.detector import DEFAULT_FWHM_MN_EV

    data = np.asarray(swatches.data)
    unsaid = cube_from_array(data, swatches.calibration, profile={"anode": "Rh"})
    total = data.reshape(-1, data.shape[-1]).sum(axis=0).astype(np.float64)

    def zinc(cube, **kw):
        plans, w = M.plan_for_cube(cube, ["Zn", "Ca", "Fe"], spectrum=total, **kw)
        return plans[0], float(data[0, PAINTS.index("Zinc white")] @ w[:, 0])

    plan, read = zinc(unsaid)
    truth = zinc(swatches)[1]  # the file's 165 eV
    assert read == pytest.approx(truth, rel=0.01)
    assert "read from this scan's K\u03b1 peaks" in plan.note
    edges = swatches.calibration.edges(swatches.n_channels)
    assert M.fwhm_from_spectrum(total, edges) == pytest.approx(165.0, rel=0.03)
    assert zinc(unsaid, fwhm_ev=DEFAULT_FWHM_MN_EV)[1] < 0.97 * truth  # what the default gave
    for plan, _ in (zinc(swatches), zinc(unsaid, fwhm_ev=150.0)):
        assert "read from this scan" not in plan.note
