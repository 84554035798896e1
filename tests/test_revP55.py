"""Session 55 review of the pigment fit's unexplained lines (b205f809) and of the saved automatic
calibration's key (d45cb086): the tube's own scatter, and where the key is shown or saved."""

from __future__ import annotations

import numpy as np


def test_the_tubes_own_scattered_lines_are_no_unidentified_peaks():
    """Fails on the parent: under a Cr tube at 9,000 counts per pixel the fit's scatter columns
    leave lobes 0.2-0.3 keV below the tube's Cr K-alpha and K-beta (Compton), which read
    "unidentified peak at 5.12 keV" and "at 5.72 keV" (12 regions of panel Cr seed 2). They are
    the tube's, as the ground's and the air's lines are the ground's and the air's; under another
    tube the same peaks are still reported, and a line that names a peak is kept."""
    from dataclasses import replace

    from test_pigments52 import PROFILE

    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.energy import canonical_energy

    e = canonical_energy()

    def peak(at):
        return np.exp(-0.5 * ((e - at) / 0.07) ** 2)

    model = 2e3 + 2e4 * peak(5.41) + 4e3 * peak(5.95)  # the continuum and the tube's lines
    y = model + 400.0 * peak(5.125) + 500.0 * peak(5.725) + 600.0 * peak(8.64)  # and zinc

    def notes(anode):
        prof = replace(PROFILE, anode=anode, fwhm_mn_ev=175.0)
        return pf._unexplained(y, model, pf._weights(y), e, prof)

    assert notes("Cr") == ["Zn Ka 8.62 keV"]
    assert sorted(notes("Rh")) == [
        "Zn Ka 8.62 keV",
        "unidentified peak at 5.12 keV",
        "unidentified peak at 5.72 keV",
    ]
