"""Session 66 review of the pigment candidates' listed lines (#14): what the tube anode's K-beta
rule (a peak at the anode's K-beta, its K-alpha left as high, is the tube's) can hide."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.detector import detector_fwhm_kev
from xrf_napari.elements import (
    AIR_ELEMENTS,
    PAINTING_ELEMENTS,
    all_lines,
    element_line,
    minor_lines,
)
from xrf_napari.physics.tube import ANODES


def test_only_a_cr_tubes_k_beta_lies_on_a_line_the_list_names():
    """A guard: the anode K-beta rule sets aside a peak only where a line of another element names
    it, within a line tolerance (0.6 FWHM; here of a 200 eV detector, the widest random_profile's
    "all" draws) of the anode's K-beta. Under a Cu, Mo, Rh or Ag tube no such line lies there
    (their K-beta at 8.91, 19.65, 22.78, 25.01 keV; tungsten's K-beta is off the axis), so the rule
    changes nothing there (Sn K-alpha, 25.19 keV, comes within Ag K-beta's tolerance only past 215
    eV, and a made lead-tin yellow spectrum under an Ag tube at 220 eV still reads "Sn Ka": its
    peak stands at 25.27-25.33 keV); under a Cr tube manganese's K-alpha (5.90 keV) lies within Cr
    K-beta's (5.95), and a real Mn K-alpha under half Cr K-beta's share beside it is set aside
    with it (TUBE_KB_SLACK, docs/pigments_guide.md). A line added near another anode's K-beta
    would make the rule hide that element too."""
    names = PAINTING_ELEMENTS + AIR_ELEMENTS
    lines = (
        all_lines(names, 1.0, 27.0)
        + [m for s in names for m in minor_lines(s)]
        + [g for s in names for g in pf._split_lines(s)]
    )
    near = {}
    for anode in ANODES:
        kb = element_line(anode, "Kb")
        if kb is None or not 1.0 <= kb.energy <= 27.0:
            continue
        tol = 0.6 * float(detector_fwhm_kev(kb.energy, 200.0))
        near[anode] = sorted(
            f"{ln.element} {ln.family}"
            for ln in lines
            if ln.element != anode and abs(ln.energy - kb.energy) < tol
        )
    assert near == {"Cr": ["Mn Ka"], "Cu": [], "Mo": [], "Rh": [], "Ag": []}, near
