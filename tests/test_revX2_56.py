"""Session 56, a review across the analysis and widgets commits: the survey line of a scan
without an energy calibration."""

import numpy as np
import pytest

pytest.importorskip("qtpy")


def test_an_uncalibrated_scans_survey_line_says_why_nothing_was_suggested():
    """Fails on the parent: a scan left without an energy calibration (an .npy whose automatic
    calibration found no peaks) was surveyed and the Spectrum dock's line said "Scan surveyed:
    0 elements suggested.", as if its spectrum held no element, while Elemental maps, Pigments
    and the models' docks (3c54aae8, dc65ae9d) said it has no calibration. The survey finds no
    line on channel numbers (peaks.suggest_for_cube suggests nothing); the line now says so in
    the docks' words. A calibrated scan's line is as before."""
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration
    from xrf_napari.widgets._common import surveyed_words

    data = np.ones((2, 3, 64), np.uint16)
    flat = Cube(data, Calibration.uncalibrated())
    line = surveyed_words(flat, [], lambda cube: "flat")
    assert line.startswith("Scan surveyed: no element suggested: flat: no energy calibration"), line
    calibrated = Cube(data, Calibration(0.0, 0.3, source="file"))
    assert surveyed_words(calibrated, []) == "Scan surveyed: 0 elements suggested."
    assert surveyed_words(calibrated, ["Fe"]) == "Scan surveyed: 1 element suggested."
