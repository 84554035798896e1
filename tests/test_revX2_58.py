"""Session 58 whole-diff review (revX2_58): fixes of this session's analysis / widgets commits."""

from __future__ import annotations

import numpy as np
import pytest


def _cube(profile: dict):
    from _spectra import CANONICAL_CAL

    from xrf_napari.cube import cube_from_array

    return cube_from_array(
        np.ones((2, 2, 1024), np.float32), CANONICAL_CAL, name="odd.h5", profile=profile
    )


@pytest.mark.parametrize(
    ("profile", "given", "says", "not_said"),
    [
        # an angle no option replaces: "give the tube voltage and detector FWHM" (22849749),
        # even with both given
        (
            {"anode": "Rh", "kv": 40.0, "incidence_deg": 0.0},
            {"kv": 30.0, "fwhm_mn_ev": 140.0},
            r"^odd\.h5: .*incidence 0\.0 deg.*which no option replaces",
            "give",
        ),
        # --kv replaced the file's 4 kV; its pile-up is still refused: it was told as the 4 kV
        (
            {"anode": "Rh", "kv": 4.0, "pileup": 0.7},
            {"kv": 30.0},
            r"^odd\.h5: .*pile-up fraction 0\.7.*which no option replaces",
            "4.0 kV",
        ),
        # --kv given, the file's FWHM refused: ask for the FWHM alone, not the kV
        (
            {"anode": "Rh", "kv": 4.0, "fwhm_mn_ev": 400.0},
            {"kv": 30.0},
            r"^odd\.h5: .*FWHM at Mn K-alpha 400\.0 eV.*: give the detector FWHM \(--fwhm",
            "--kv",
        ),
        # a kV that is no number (JSON null): a TypeError from the profile's own check
        (
            {"anode": "Rh", "kv": None},
            {},
            r"^odd\.h5: the instrument profile .*: give the tube voltage \(--kv",
            "FWHM",
        ),
    ],
)
def test_an_implausible_file_profile_is_told_as_what_is_wrong(profile, given, says, not_said):
    """22849749's refusal of a file's implausible instrument profile said "give the tube voltage
    and detector FWHM" whatever was wrong, and named the file's kV after --kv had replaced it."""
    from xrf_napari.analysis.pigment_fit import PigmentFitError, instrument_for

    with pytest.raises(PigmentFitError, match=says) as info:
        instrument_for(_cube(profile), **given)
    assert not_said not in str(info.value)


def test_a_file_s_implausible_kv_with_both_given_is_fitted():
    """Both values given cure a profile whose kV and FWHM are refused (the given replace them)."""
    from xrf_napari.analysis.pigment_fit import instrument_for

    cube = _cube({"anode": "Rh", "kv": 4.0, "fwhm_mn_ev": 400.0})
    profile, _ = instrument_for(cube, kv=30.0, fwhm_mn_ev=140.0)
    assert (profile.kv, profile.fwhm_mn_ev) == (30.0, 140.0)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's GUI tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_save_cancelled_as_it_writes_says_it_was_written(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Cancel pressed while a dock's save wrote its files (one step of its job: seconds for a
    2000 x 2000 px report) could not stop the write, yet the line said "Cancelled." of a report
    written whole, an earlier one replaced; 2cf18ade said so for the scan's closing only."""
    from _napari_helpers import wait_idle
    from test_report58 import held_pigments_export

    viewer = make_napari_viewer()
    dock, _layers, entered, gate, report = held_pigments_export(viewer, tmp_path, monkeypatch)
    try:
        qtbot.waitUntil(entered.is_set, timeout=5000)
        assert dock.job.cancel_button.isEnabled()  # the user may press it
        dock.job.cancel()
        gate.set()
        wait_idle(qtbot, dock.job, 5000)
    finally:
        gate.set()
    assert report.is_file()
    said = dock.job.status.text()
    assert said.startswith("Not cancelled: the report was written"), said
