"""Lines beside a heavier element's: S K-alpha (2.31 keV) on Hg and Pb M lines, Bi L-alpha
(10.84 keV) on the flank of As K-alpha (10.53) in smalt, K K-alpha (3.31) on Cd L-beta1 (3.32),
and Au L-alpha (9.70) on a W tube's scattered L-beta family.

Spectra from the forward model (physics.spectrum) over chalk, 1000 counts a pixel of 256 unless
a test says otherwise.
"""

from pathlib import Path

import numpy as np
import pytest
from _synth_spectra import painted_spectrum

from xrf_napari.analysis.peaks import suggest_elements

COUNTS = 1000 * 256


@pytest.fixture(scope="module")
def suggest():
    """suggest_elements of paints under an Rh tube at 40 kV, a W tube at 35 kV or a Mo tube at
    30 kV, in air (the battery's instruments), one SpectrumModel each."""
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.spectrum import SpectrumModel

    profiles = {
        "Rh": InstrumentProfile(
            anode="Rh", kv=40.0, fwhm_mn_ev=150.0, n_channels=2048, offset=-0.05, gain=0.02
        ),
        "W": InstrumentProfile(
            anode="W", kv=35.0, fwhm_mn_ev=175.0, n_channels=1024, offset=-0.1, gain=0.0391
        ),
        "Mo": InstrumentProfile(
            anode="Mo", kv=30.0, fwhm_mn_ev=140.0, n_channels=2048, offset=-0.05, gain=0.015
        ),
    }
    models = {}

    def run(tube: str, paints, seed: int = 0, counts: float = COUNTS):
        prof = profiles[tube]
        model = models.setdefault(tube, SpectrumModel(prof))
        energy, spec = painted_spectrum(prof, paints, model, counts, seed)
        return suggest_elements(
            energy, spec, anode=prof.anode, kv=prof.kv, fwhm_mn_ev=prof.fwhm_mn_ev
        )

    return run


@pytest.mark.parametrize("tube", ["Rh", "Mo"])
def test_vermilion_has_its_sulfur(suggest, tube):
    """Vermilion (HgS) shows one peak between Hg M-alpha (2.20 keV) and S K-alpha (2.31): a fit
    of both shapes gives sulfur its share. The parent never suggested S in vermilion (the peak
    sat nearer Hg M-alpha, or beyond S K-alpha's tolerance)."""
    found = suggest(tube, [("Vermilion", 1.0)])
    assert {"Hg", "S"} <= set(found), found


@pytest.mark.parametrize("tube", ["Rh", "W", "Mo"])
@pytest.mark.parametrize("paint", ["Lead white", "Red lead"])
def test_no_sulfur_from_lead_m_lines(suggest, tube, paint):
    """A guard: Pb M-alpha (2.35 keV) lies 40 eV from S K-alpha; lead white and red lead hold
    no sulfur, and the fit of both shapes leaves S nothing."""
    found = suggest(tube, [(paint, 1.0)])
    assert "Pb" in found
    assert "S" not in found, found.warning


@pytest.mark.parametrize("tube", ["Rh", "W", "Mo"])
def test_smalt_has_its_bismuth(suggest, tube):
    """Smalt's 2 % of Bi: L-alpha (10.84 keV) has no apex of its own beside As K-alpha (10.53),
    its L-beta (13.0) does. The parent dropped Bi for its L-alpha's missing peak, in every
    smalt the battery drew."""
    found = suggest(tube, [("Smalt", 1.0)])
    assert {"As", "Bi"} <= set(found), found


def test_no_sulfur_from_bismuth_m_lines_in_smalt(suggest):
    """A guard of the rule above: smalt's Bi M-alpha (2.42 keV) lies 0.11 keV above S K-alpha,
    the escape of chalk's Ca K-beta (2.27) beside it; with bismuth found, its M lines' peak is no
    sulfur (its apex sits on Bi M-alpha, not pulled towards S K-alpha). Without that test the
    fit of both shapes gave sulfur to smalt under the W tube."""
    found = suggest("W", [("Smalt", 1.0)], counts=10000 * 256)
    assert "Bi" in found
    assert "S" not in found, found.warning


def test_no_tin_from_calcium_beside_lead_white_and_orpiment(suggest):
    """A guard: Sn L-beta (3.71 keV) sits on chalk's Ca K-alpha (3.69), its L-alpha (3.44) on a
    flank; the peak is calcium's, so the rule that found smalt's bismuth must not give tin."""
    found = suggest("Mo", [("Lead white", 0.5), ("Orpiment", 0.5)])
    assert "Sn" not in found, found


@pytest.mark.parametrize("tube", ["W", "Mo"])
def test_potassium_beside_cadmium_red(suggest, tube):
    """30 % green earth (2.6 % of K) beside cadmium red: K K-alpha (3.31 keV) lies on Cd L-beta1
    (3.32) and shows no apex between Cd L-alpha's peak and Ca K-alpha's; a fit of K's lines
    beside cadmium's L lines, as the known tube excites them, gives K its share. The parent lost
    potassium under the W tube (no K-alpha peak)."""
    found = suggest(tube, [("Cadmium red", 0.7), ("Green earth", 0.3)], counts=3000 * 256)
    assert {"Cd", "K"} <= set(found), found


@pytest.mark.parametrize("tube", ["Rh", "W", "Mo"])
@pytest.mark.parametrize("paint", ["Cadmium red", "Cadmium yellow"])
def test_no_potassium_from_cadmium_l_beta(suggest, tube, paint):
    """A guard: cadmium pigments hold no potassium; with the tube's own L template the fit
    leaves K 0.04-0.08 of cadmium's L height there, under L_FAMILY_EXCESS_TUBE."""
    found = suggest(tube, [(paint, 1.0)], counts=10000 * 256)
    assert "Cd" in found
    assert "K" not in found, found


def test_no_gold_from_a_w_tube_and_lead_lines():
    """A group of cells of a red lead cube under the W 35 kV tube (40,000 counts, drawn by the
    battery): its peaks at 9.70 keV (the tube's scattered L-beta family, its mean 9.703) and
    11.35 (Pb L-eta) matched gold's L-alpha (9.704) and L-beta (11.44). The tube's lines count
    as kept before gold, so gold needs a peak of its own. The parent suggested Au."""
    spec = np.load(Path(__file__).parent / "data" / "red_lead_w35_group_40k.npy").astype(float)
    energy = -0.1 + 0.0391 * np.arange(spec.size)
    found = suggest_elements(
        energy, spec, anode="W", kv=35.0, fwhm_mn_ev=175.0, confirmed_only=True, atmosphere="air"
    )
    assert "Pb" in found
    assert "Au" not in found, found


def test_gold_beside_lead_under_a_w_tube_is_kept():
    """A guard of that rule: gold with its own L-beta peak (11.44 keV) beside lead stays
    suggested under a W tube whose L-beta family coincides with gold's L-alpha."""
    from _synth_spectra import synthetic_cube

    cube = synthetic_cube(-0.1, 0.0391, 1024, anode="W", elements=(("Au", 1.0), ("Pb", 0.8)))
    energy = -0.1 + 0.0391 * np.arange(1024)
    found = suggest_elements(energy, cube.sum(axis=(0, 1)), anode="W", kv=35.0)
    assert {"Au", "Pb"} <= set(found), found
