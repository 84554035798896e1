"""Session 63, pigment hypotheses (#14): the lines a candidate leaves in its residual, as
structured (element, family, energy) for `_more_paint` and as text for the report."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile


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
    y = (
        model + peak(8.64, 3000.0) + peak(9.18, 8000.0)
    )  # zinc K-alpha and a peak no line names
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
