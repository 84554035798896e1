"""The tube's lines as the analysis reads them (session 48): the calibration check's Compton band
comes from the scattering physics, and the anode an automatic calibration assumed is read one way
by every reader."""

import json
from dataclasses import replace

import numpy as np
import pytest
from _synth_spectra import painted_spectrum

from xrf_napari.physics.instrument import InstrumentProfile

PROFILE = InstrumentProfile(fwhm_mn_ev=150.0, n_channels=2048, offset=-0.05, gain=0.02)


def _calibration_warning(anode, kv, energy, y) -> str:
    from xrf_napari.analysis.peaks import suggest_elements

    got = suggest_elements(energy, y, anode=anode, fwhm_mn_ev=150.0, kv=kv)
    return got.warning if "calibration looks off" in got.warning else ""


@pytest.mark.parametrize(
    "anode, kv, pigment, offset, gain",
    [
        ("Cu", 30.0, "Red ochre", 0.1, 1.0),
        ("Cu", 30.0, "Red ochre", -0.2, 1.0),
        ("Cu", 30.0, "Cobalt blue", 0.0, 0.98),
        ("Cr", 25.0, "Titanium white", 0.0, 1.02),
        ("Cr", 25.0, "Titanium white", -0.2, 1.0),
    ],
)
def test_a_wrong_axis_under_a_named_cu_or_cr_tube_is_caught(anode, kv, pigment, offset, gain):
    """Fails on the parent (no warning): its calibration check left out strong peaks 0-2 keV below
    the tube's K lines as Compton scatter, which for Cu (8.04 keV) took in Fe, Co and Ni K and for
    Cr (5.41 keV) Ca and Ti K, so a shifted or stretched axis left too few peaks counted to say so.
    The band is now the Compton band from backscatter to the line (tube_guess.compton_band: Cu
    7.80-8.04 keV, Cr 5.30-5.41); the true axis stays quiet."""
    energy, y = painted_spectrum(replace(PROFILE, anode=anode, kv=kv), [(pigment, 1.0)], counts=3e5)
    assert _calibration_warning(anode, kv, energy, y) == ""
    assert _calibration_warning(anode, kv, energy * gain + offset, y)


def _auto_calibrated_file(tmp_path, anode_entry, counts):
    """A project file as a scan calibrated automatically is saved (source "auto"), whose
    `auto_calibration` entry holds `anode_entry` (a dict or its JSON text)."""
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    cal = Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH, source="auto")
    path = write_cube(tmp_path / "scan.h5", counts, cal, metadata={"auto_calibration": anode_entry})
    cube = read_cube(path)
    assert cube.calibration.source == "auto"
    return cube


@pytest.fixture(scope="module")
def rh_scan():
    """(16, 16, 512) counts of a generated Rh-tube scan on the canonical axis."""
    from xrf_napari.synth.dataset import synthesize

    rng = np.random.default_rng(3)
    img = (rng.random((2, 2, 3)) * 255).repeat(8, 0).repeat(8, 1).astype(np.uint8)
    prof = InstrumentProfile(
        anode="Rh", kv=40.0, fwhm_mn_ev=145.0, counts_per_pixel=2000.0, optic="collimator"
    )
    return synthesize(img, rng, prof).counts


def test_a_lower_case_anode_of_an_automatic_calibration_is_read_as_its_symbol(tmp_path, rh_scan):
    """Fails on the parent: a saved scan whose automatic calibration assumed "rh" (a file another
    tool wrote, a cube made in Python) was "given with --anode" to the calibration's origin though
    Rh is the default, and the tube guess took the Rh scatter the calibration put at Rh's energies
    for evidence ("Rh"), while the pigment fit read Rh."""
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.analysis.tube_guess import guess_scan_anode
    from xrf_napari.detector import calibration_anode_origin

    cube = _auto_calibrated_file(tmp_path, {"anode": "rh", "residual_ev_rms": 20.0}, rh_scan)
    assert "Rh by default" in calibration_anode_origin(cube.metadata)
    assert guess_scan_anode(cube, rh_scan.reshape(-1, 512)) is None
    notes = calibration_notes(cube, InstrumentProfile(anode="Rh"))
    assert "assuming the Rh anode's lines" in notes[0] and len(notes) == 1, notes


@pytest.mark.parametrize("entry", [json.dumps({"anode": "Mo"}), {"anode": "molybdenum"}])
def test_the_calibration_note_says_where_its_anode_came_from_in_its_own_words(
    tmp_path, rh_scan, entry
):
    """Fails on the parent: with the entry as JSON text (how early files stored dicts), the pigment
    fit's note read "assuming the Mo anode's lines among its peaks (the file names none: Rh by
    default ...)", calibration_anode_origin not parsing the text; with the element's name it read
    "Molybdenum", a contradiction with a Mo fit. Now: Mo, given, no contradiction."""
    from xrf_napari.analysis.pigment_fit import calibration_notes

    cube = _auto_calibrated_file(tmp_path, entry, rh_scan)
    notes = calibration_notes(cube, InstrumentProfile(anode="Mo"))
    assert len(notes) == 1, notes
    assert "assuming the Mo anode's lines among its peaks (given with --anode" in notes[0], notes


def test_the_cached_anodes_of_the_tube_guess_cannot_be_changed_by_a_caller():
    """Fails on the parent (a dict, cached: one caller's edit changed every later guess)."""
    from xrf_napari.analysis.tube_guess import k_alpha_anodes

    with pytest.raises(TypeError):
        k_alpha_anodes()["Cu"] = 8.04
    assert sorted(k_alpha_anodes()) == ["Ag", "Mo", "Rh"]
