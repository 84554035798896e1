"""Elemental maps, session 57 (mapnote57): the notes name the maps the user has ("by the Se map"
only where a Se map is among them)."""

import numpy as np
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
