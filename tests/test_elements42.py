"""Element suggestions (analysis.peaks.suggest_elements: the Spectrum dock's "Suggested", the maps'
ticks, quicklook) where potassium's K-alpha (3.31 keV) coincides with cadmium's L-beta1 (3.32):
under the Bruker M6's optic, which passes little above 20 keV, cadmium's K lines are often too
weak to suggest it by, and its L-beta was read as potassium (K-beta hidden in chalk's Ca
K-alpha) in 134 of the 1722 two-pigment spectra (153 false elements in all, M6 family of
benchmarks/bench_element_suggestion.py --pairs: 861 pairs of 42 pigments at 50:50 and 85:15).
Spectra from the repository's forward model (physics.spectrum), one Poisson draw each."""

import pytest
from _synth_spectra import painted_spectrum, w_tube_profile

from xrf_napari.analysis.peaks import suggest_elements


@pytest.fixture(scope="module")
def m6():
    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = bruker_m6()
    return prof, SpectrumModel(prof)


def _suggested(m6, paints, counts=1.3e6, seed=0):
    prof, model = m6
    e, spec = painted_spectrum(prof, paints, model, counts, seed)
    return suggest_elements(e, spec, anode=prof.anode, fwhm_mn_ev=prof.fwhm_mn_ev, kv=prof.kv)


@pytest.mark.parametrize(
    "paints",
    [
        [("Lead white", 0.5), ("Cadmium red", 0.5)],
        [("Vermilion", 0.5), ("Cadmium orange", 0.5)],
        [("Azurite", 0.85), ("Cadmium yellow", 0.15)],
    ],
)
def test_cadmiums_l_beta_is_no_potassium(m6, paints):
    """No potassium in these paints or the chalk: the 3.3 keV peak is what cadmium's L family
    (its L-alpha peak at 3.13 keV, xraylib's L-beta/L-alpha ratio) puts there."""
    found = _suggested(m6, paints)
    assert "K" not in found, found


@pytest.mark.parametrize(
    "paints",
    [
        [("Smalt", 0.5), ("Cadmium red", 0.5)],  # 6.6 % K
        [("Green earth", 0.5), ("Cadmium yellow", 0.5)],  # 4.4 % K
        [("Prussian blue", 0.85), ("Cadmium orange", 0.15)],  # 1.4 % K
    ],
)
def test_potassium_beside_cadmium_is_still_found(m6, paints):
    """Potassium's K-alpha stands above what cadmium's L-beta explains: still suggested."""
    found = _suggested(m6, paints)
    assert "K" in found, found


@pytest.fixture(scope="module")
def w_tube():
    """An air scanner with a W tube at 35 kV, 175 eV, 1024 channels (the benchmark's 2nd family)."""
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = w_tube_profile()
    return prof, SpectrumModel(prof)


@pytest.mark.parametrize("arsenic", ["Orpiment", "Emerald green"])
def test_arsenic_and_selenium_make_no_lead(w_tube, arsenic):
    """As K-alpha (10.53 keV) coincides with Pb L-alpha (10.54), and cadmium red's Se K-beta
    (12.50) lies within reach of Pb L-beta (12.59): lead was confirmed by two peaks that were
    both other elements' (16 false Pb in the 1722 two-pigment spectra under a W tube)."""
    found = _suggested(w_tube, [(arsenic, 0.5), ("Cadmium red", 0.5)])
    assert {"As", "Se"} <= set(found), found
    assert "Pb" not in found, found


@pytest.mark.parametrize("lead", ["Lead white", "Naples yellow"])
def test_lead_with_arsenic_is_still_found(w_tube, lead):
    """Lead's L-beta is a peak of its own: lead and arsenic are both suggested."""
    found = _suggested(w_tube, [(lead, 0.5), ("Orpiment", 0.5)])
    assert {"As", "Pb"} <= set(found), found
