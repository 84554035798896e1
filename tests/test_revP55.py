"""Session 55 review of the pigment fit's unexplained lines (b205f809) and of the saved automatic
calibration's key (d45cb086): the tube's own scatter, and where the key is shown or saved."""

from __future__ import annotations

import numpy as np
import pytest


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


@pytest.fixture
def saved_auto(tmp_path):
    """A project .h5 whose calibration is automatic (saved after the first read), read back."""
    from test_calanode48 import _auto_calibrated

    from xrf_napari.io import AUTO_SAVED_KEY

    cube = _auto_calibrated(tmp_path, {"anode": "Rh", "matched": ["Fe Ka ch 107.0"]})
    assert cube.metadata.get(AUTO_SAVED_KEY) is True
    return cube


def test_the_spectrum_docks_tip_says_a_saved_automatic_calibration_came_from_the_file(saved_auto):
    """Fails on the parent: the Spectrum dock's calibration tip said "fitted by xrf-napari from
    the scan's peaks" of a saved scan's, as of one fitted at this read; it now says the fit was
    made when the scan was first read and is saved in the file (the pigment fit's note says so
    since d45cb086). One fitted at this read keeps its words."""
    from xrf_napari.io import AUTO_SAVED_KEY
    from xrf_napari.widgets.spectrum import calibration_origin

    label, tip = calibration_origin(saved_auto)
    assert label == "auto, assuming a Rh tube"
    assert "from the scan's peaks when it was first read, saved in the file, assuming" in tip, tip
    saved_auto.metadata.pop(AUTO_SAVED_KEY)
    assert "from the scan's peaks, assuming a Rh tube" in calibration_origin(saved_auto)[1]


def test_the_saved_calibrations_key_is_not_the_files_metadata(saved_auto, capsys):
    """Fails on the parent: read_cube's AUTO_SAVED_KEY (d45cb086), its own state, was printed by
    `info saved.h5` among the file's metadata ("auto_calibration_saved: True"), and a save of the
    scan (File > Save) wrote it into the new file's metadata."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.cli.main import main
    from xrf_napari.io import AUTO_SAVED_KEY

    assert AUTO_SAVED_KEY not in _file_metadata(saved_auto)
    assert main(["info", str(saved_auto.path)]) == 0
    out = capsys.readouterr().out
    assert "auto_calibration:" in out  # the file's own entry is still shown
    assert AUTO_SAVED_KEY not in out, out
