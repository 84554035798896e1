"""Elemental maps, session 57 (mapnote57): a neighbour counted present nowhere is taken out of a
windowed map only where its map reads it in the scan's sum, and the notes name the maps the user
has ("by the Se map" only where a Se map is among them)."""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array

FWHM = 165.0


def _cube(rows: np.ndarray):
    return cube_from_array(
        rows[None].astype(np.float32), CANONICAL_CAL, profile={"fwhm_mn_ev": FWHM, "anode": "Rh"}
    )


def _spectra(*parts) -> np.ndarray:
    """Each row the sum of (element, main-line counts) templates on 10 counts a channel."""
    kw = {"fwhm_mn_ev": FWHM, "escape": True}
    return np.array([sum(template_spectrum(s, n, **kw) for s, n in row) + 10.0 for row in parts])


def test_absent_neighbour_read_on_flanks_is_not_taken_out(monkeypatch):
    """Hg, not in the scan, was taken out of Se K-alpha's window by a map of Hg whose upper side
    window lies on the As K-alpha / Pb L-alpha flank: it read -6,500 counts of lead arsenate
    (1e6 counts each) and Se lost 190 counts (0.2 %; PyMca's .mca -501 of 91,739). Now Se reads
    as with no Hg take-out, and its note says none; where Hg is in the scan it is taken out."""
    rows = _spectra([("Se", 1e5), ("As", 1e6), ("Pb", 1e6)], [("Hg", 1e5)])
    spectrum = rows[0]
    present = ["As", "Pb", "Ca"]
    plans, w = M.plan_for_cube(_cube(rows[:1]), ["Se"], present=present, spectrum=spectrum)
    edges = CANONICAL_CAL.edges(spectrum.size)
    (hg,) = M.plan_maps(
        ["Hg"], (float(edges[0]), float(edges[-1])), fwhm_mn_ev=FWHM, present={*present, "Se"}
    )
    assert spectrum @ M._window_column(hg, edges, FWHM) < -5000  # Hg's map of the flank
    assert "Hg" not in plans[0].note
    strip = {k: v for k, v in M.STRIP_GROUPS.items() if k != ("Se", "Ka")}
    monkeypatch.setattr(M, "STRIP_GROUPS", strip)
    w_plain = M.plan_for_cube(_cube(rows[:1]), ["Se"], present=present, spectrum=spectrum)[1]
    monkeypatch.undo()
    se = float(spectrum @ w[:, 0].astype(np.float64))
    assert se == pytest.approx(float(spectrum @ w_plain[:, 0].astype(np.float64)), rel=2e-5)
    # Hg in the scan (a pure-Hg pixel): still taken out of Se, as session 57's maps57 made it
    plans, w = M.plan_for_cube(_cube(rows), ["Se"], present=present, spectrum=rows.sum(0))
    assert "Hg lines taken out by a map of Hg (not counted present)" in plans[0].note
    assert abs(float(rows[1] @ w[:, 0].astype(np.float64))) < 0.002 * 1e5


def test_notes_name_only_maps_the_user_has():
    """quicklook maps the top six elements, the Elemental maps dock those ticked, both with the
    others suggested counted present: Pb L-beta's note said "Se lines taken out by the Se map"
    where no Se map was made. A neighbour counted present but not mapped is "a map of Se (not
    shown)"; mapped, "the Se map"; neither, "(not counted present)"."""
    rows = _spectra([("Pb", 1e5)], [("Se", 1e5)])
    cube = _cube(rows)
    kw = {"present": ["As", "Se", "Ca"], "spectrum": rows.sum(0)}
    pb = M.plan_for_cube(cube, ["Pb"], **kw)[0][0]
    assert pb.label == "Pb L\u03b2"
    assert "Se lines taken out by a map of Se (not shown)" in pb.note
    assert "the Se map" not in pb.note
    both = {p.symbol: p for p in M.plan_for_cube(cube, ["Pb", "Se"], **kw)[0]}
    assert "Se lines taken out by the Se map" in both["Pb"].note
