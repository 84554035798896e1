"""The training-data note names a tube the file does not, from its scattered lines (session 47):
a header-less Mo-tube scan got only "the file does not name its tube anode"."""

from dataclasses import replace

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration, canonical_energy
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.synth.dataset import synthesize

pytest.importorskip("torch")

BASE = InstrumentProfile(fwhm_mn_ev=145.0, counts_per_pixel=2000.0, optic="collimator")


def _scan(anode: str, kv: float, seed: int = 3) -> np.ndarray:
    """(16, 16, 512) canonical counts of a generated scan under that tube."""
    rng = np.random.default_rng(seed)
    img = (rng.random((2, 2, 3)) * 255).repeat(8, 0).repeat(8, 1).astype(np.uint8)
    return synthesize(img, rng, replace(BASE, anode=anode, kv=kv)).counts


def _note(counts: np.ndarray):
    from xrf_napari.analysis.ood import check_scan

    return check_scan(cube_from_array(counts, Calibration.canonical()))  # no tube, no resolution


def test_a_mo_tube_the_file_does_not_name_is_named_from_its_scattered_lines():
    """Fails on the parent: the note said "Like the training data (...), as far as the spectra
    show: the file does not name its tube anode or ...", though a Mo tube lies outside training."""
    report = _note(_scan("Mo", 35.0))
    text = report.message()
    assert report.warn, text
    assert "the tube looks like Mo (from its scattered lines" in text, text
    assert "trained on Rh, W, Cu tubes" in text, text
    assert "does not name its tube anode" not in text, text


def test_a_rh_tube_seen_in_its_scatter_is_said_in_the_quiet_line():
    """Fails on the parent: the Rh tube's scatter went unused ("does not name its tube anode")."""
    report = _note(_scan("Rh", 40.0))
    text = report.message()
    assert not report.warn, text
    assert "with a tube that looks like Rh (from its scattered lines" in text, text
    assert "does not name its detector resolution" in text, text
    assert "tube anode" not in text, text


@pytest.mark.parametrize(("anode", "kv"), [("W", 40.0), ("Mo", 20.0)])
def test_scatter_that_names_no_anode_leaves_the_tube_unnamed(anode, kv):
    """A guard: a W tube (no K lines below 59 keV) or a Mo tube at 20 kV (its K edge: no K lines)
    cannot tell its anode, and the note keeps saying the file does not name it."""
    text = _note(_scan(anode, kv)).message()
    assert "does not name its tube anode" in text, text
    assert "looks like" not in text, text


def test_a_pigments_mo_k_lines_without_a_compton_band_do_not_name_a_mo_tube():
    """Molybdate orange puts Mo K lines in a Rh tube's spectra; without the Compton band a tube
    line has, they name no Mo tube (new module: fails on the parent with ImportError). Mo K-alpha
    also lifts the continuum under Rh's Compton band: 'cannot tell' then, not Rh, until session
    65 took the lower half of that continuum (the half beyond Mo K-alpha's tail): Rh."""
    from xrf_napari.analysis.tube_guess import guess_anode

    counts = _scan("Rh", 40.0).reshape(-1, 512).astype(np.float64)
    e = canonical_energy()
    mo = np.exp(-0.5 * ((e - 17.48) / 0.09) ** 2) + 0.17 * np.exp(-0.5 * ((e - 19.61) / 0.1) ** 2)
    rng = np.random.default_rng(0)
    with_mo = counts + rng.poisson(0.05 * counts.sum(1, keepdims=True) * mo / mo.sum())
    assert guess_anode(counts) == "Rh"
    assert guess_anode(with_mo) == "Rh"


def test_a_pigments_mo_k_lines_under_a_tube_without_k_scatter_name_no_mo_tube():
    """A guard: under a W tube (no K scatter on the axis) molybdate's Mo K-alpha stands alone,
    so only the missing Compton band keeps it from naming a Mo tube (the test above passes on
    either rule: there Rh's scatter makes two anodes)."""
    from xrf_napari.analysis.tube_guess import guess_anode

    counts = _scan("W", 40.0).reshape(-1, 512).astype(np.float64)
    e = canonical_energy()
    mo = np.exp(-0.5 * ((e - 17.48) / 0.09) ** 2) + 0.17 * np.exp(-0.5 * ((e - 19.61) / 0.1) ** 2)
    with_mo = counts + np.random.default_rng(0).poisson(
        0.05 * counts.sum(1, keepdims=True) * mo / mo.sum()
    )
    assert guess_anode(with_mo) is None


def test_too_few_counts_name_no_tube():
    """A guard: 16 pixels of the Rh scan (32,000 counts) show its K-alpha and Compton band well
    over MIN_CONTRAST but about 7 and 15 sigma, under MIN_SIGMA: 'cannot tell', not Rh."""
    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_scan("Rh", 40.0).reshape(-1, 512)[:16]) is None
