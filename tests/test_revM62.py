"""Review of maps62 (session 62): the note of an unexcited line chosen by hand, and the kV edge
cases of the line shares under the scan's tube."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


def _cube(meta=None):
    cube = cube_from_array(np.ones((1, 1, 4096), np.float32), Calibration(offset=0.0, gain=0.01))
    cube.metadata.update(meta or {})
    return cube


@pytest.mark.parametrize(("symbol", "chosen"), [("Pb", "Lb"), ("Hg", "La")])
def test_an_unexcited_line_chosen_by_hand_proposes_the_line_fitted(symbol, chosen):
    """Under 12 kV (no Pb or Hg L line excited) a Pb or Hg L line chosen by hand beside S said
    "Pb Mα is excited: choose it ..., though S Kα overlaps it": M-alpha chosen by hand was a
    window, which read orpiment (no lead) as 0.80-1.24 of lead white's Pb, where auto fits Pb
    M-alpha beside S (-0.04 %). Session 62 proposed auto; since session 65 M-alpha chosen is
    fitted as auto's, so the note proposes it, fitted, and says no overlap (S K-alpha lies
    within a FWHM of Pb M-alpha)."""
    syms = [symbol, "S"]
    plans, _ = M.plan_for_cube(_cube(), syms, kv=12.0, lines={symbol: chosen})
    note = plans[0].note
    assert f"{symbol} M\u03b1 is excited: choose it (the Elemental maps panel's Line" in note
    assert f"which maps {symbol} by it fitted beside S" in note
    assert "overlaps it" not in note and "is a window" not in note
    auto, w_auto = M.plan_for_cube(_cube(), syms, kv=12.0)
    picked, w_picked = M.plan_for_cube(_cube(), syms, kv=12.0, lines={symbol: "Ma"})
    assert [(p[0].line.family, p[0].method) for p in (auto, picked)] == [("Ma", "fit")] * 2
    np.testing.assert_array_equal(w_picked, w_auto)


def test_an_unexcited_line_beside_no_fitted_neighbour_still_proposes_the_line():
    """A guard: beside Cu (emerald green, no S) auto maps Pb M-alpha by a window too, so the note
    proposes the line itself."""
    plans, _ = M.plan_for_cube(_cube(), ["Pb", "As", "Cu"], kv=12.0, lines={"Pb": "Lb"})
    assert plans[0].note.endswith(
        "Pb M\u03b1 is excited: choose it (the Elemental maps panel's Line column; quicklook has "
        "no choice of line)"
    )


@pytest.mark.parametrize(
    ("symbols", "kv", "lines"),
    [
        (["Ba", "Ca"], 5.0, None),  # below Ba's L3 edge (5.25 keV): none of its lines excited
        (["Pb", "As"], 13.0352, None),  # at Pb's L3 edge
        (["Pb", "As"], 15.2000, {"Pb": "Lb"}),  # at Pb's L2 edge
        (["Ba", "Pb"], 100.0, {"Ba": "Lg"}),  # a file's 100 kV, past the tube model's 60
    ],
)
def test_line_shares_at_the_kv_edge_cases_stay_finite(symbols, kv, lines):
    """A guard: a kV below every edge of an element's lines on the axis, at an edge, or past the
    tube model's range (the file's 100 kV) gives a finite weight matrix (no line share divided
    by a zero sum)."""
    plans, w = M.plan_for_cube(_cube({"kV": kv}), symbols, present=symbols, lines=lines)
    assert np.isfinite(w).all() and w.shape == (4096, len(symbols))
    assert all(np.isfinite(cs) for s in symbols for _, cs, _, _ in M._all_transitions(s, kv))


def test_a_file_kv_above_the_tube_model_takes_its_top_shares():
    """A file's kV above 60 (kv_from_metadata takes up to 100; the tube model stops at 60) took
    the shares at 20 keV: blanc fixe's Ba L-gamma under a 60 kV tube, mapped as for 61 or 100
    kV, read 1.20 of its counts, 0.95 as for 60 kV. It takes those at 60 kV now."""
    from test_maps61 import _forward

    cube, y, truth = _forward([("Blanc fixe", 1.0)], kv=60.0)
    for kv in (60.0, 100.0):
        plans, w = M.plan_for_cube(
            cube, ["Ba"], present={"Ba", "Ca"}, spectrum=y, kv=kv, lines={"Ba": "Lg"}
        )
        got = float(y @ w[:, 0].astype(np.float64)) / truth[("Ba", "Lg")]
        assert 0.93 < got < 1.0, kv
