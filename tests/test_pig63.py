"""Session 63, pigment hypotheses (#14): the lines a candidate leaves in its residual, as
structured (element, family, energy) for `_more_paint` and as text for the report; a residual
peak named where its counts stand, the same for every candidate of a region."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("xraylib")

from dataclasses import replace

from test_pigments53 import CR_TUBE

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile

#: the table panels' instrument (test_pigments53's) under a Cu tube
CU_TUBE = replace(CR_TUBE, anode="Cu")


def _swatch(lib, name: str, um: float, ground_um: float = 100.0) -> np.ndarray:
    """A noise-free swatch of one pigment over gypsum and the support, 3e4 counts."""
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import get_pigment

    stack = [
        paint_layer([(get_pigment(name), 1.0)], um, 0.35),
        ground_layer("gypsum", ground_um),
        support_layer(),
    ]
    y = lib.model.canonical(lib.model.detect(lib.model.fine(stack)))
    return y / y.sum() * 3e4


def test_residual_lines_are_element_family_energy_and_the_notes_their_text():
    """Fails on the parent (no `_residual_lines`): `_more_paint` took the element and the energy
    of each unexplained line back out of its display text ("Zn Ka 8.64 keV": the first word, the
    second last as a number). The lines are now (element, family, energy), None for a peak no line
    names, and a candidate's notes are their text, as before."""
    from xrf_napari.detector import detector_fwhm_kev
    from xrf_napari.energy import canonical_energy

    prof = InstrumentProfile(anode="Mo", kv=40.0, fwhm_mn_ev=145.0)
    e = canonical_energy()

    def peak(at, height):
        s = detector_fwhm_kev(at, 145.0) / 2.355
        return height * np.exp(-0.5 * ((e - at) / s) ** 2)

    model = 300.0 + peak(10.55, 2e4) + peak(12.61, 1.4e4)
    y = model + peak(8.64, 3000.0) + peak(9.18, 8000.0)  # zinc K-alpha and a peak no line names
    w = pf._weights(y)
    got = pf._residual_lines(y, model, w, e, prof, frozenset({"Pb"}), frozenset({"Ca"}))
    assert [(ln.element, ln.family) for ln in got] == [(None, ""), ("Zn", "Ka")]
    assert all(abs(ln.energy - at) < 0.05 for ln, at in zip(got, (9.18, 8.64)))
    text = pf._unexplained(y, model, w, e, prof, frozenset({"Pb"}), frozenset({"Ca"}))
    assert text == [str(ln) for ln in got]
    assert text == [
        f"unidentified peak at {got[0].energy:.2f} keV",
        f"Zn Ka {got[1].energy:.2f} keV",
    ]


def test_a_lower_candidates_sulfur_left_over_names_no_molybdenum():
    """Fails on the parent: under a Cu tube a cadmium yellow swatch's lower candidates that hold
    too little sulfur (red lake + lithopone, the reference panel Cu_4's lithopone at rank 4) listed
    "Mo La 2.27 keV": with the fit's 3 % model error in the weights, a strong residual line's
    weighted residual is nearly flat across it (residual / counts), and its top fell on the low
    flank, 50 eV below the residual's top in counts (2.33 keV), nearer Mo L-alpha (2.29) than S
    K-alpha (2.31). A peak is now named where the residual's counts stand highest within a line's
    tolerance: sulfur's, the ground's, not listed. No candidate of any rank names molybdenum."""
    lib = pf.component_library(CU_TUBE)
    y = _swatch(lib, "Cadmium yellow", 8.0)
    from xrf_napari.energy import canonical_energy

    cands, _ = pf.rank_region(
        lib, y, [0, 1], canonical_energy(), top_n=8, always=(lib.index("Lithopone"),)
    )
    assert any("Lithopone" in c.pigments for c in cands)
    named = [n for c in cands for n in c.unexplained]
    assert not [n for n in named if n.startswith("Mo ")], named
    assert "Cadmium yellow" in cands[0].pigments
