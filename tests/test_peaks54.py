"""Element suggestion: a weak L-gamma line of an element suggested by its K lines (chalk's
strontium, Sr L-gamma 2.20 keV) is no line nearer a K-alpha peak than that K line where its own
L-alpha is no peak to scale it by (analysis.peaks._suggest, k_beyond_m's `nearer`)."""

import pytest
from _synth_spectra import painted_spectrum, w_tube_profile


@pytest.fixture(scope="module")
def w_model():
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = w_tube_profile()
    return prof, SpectrumModel(prof)


@pytest.mark.parametrize("other", ["Titanium white", "Carbon black"])
def test_vermilion_keeps_its_sulfur_beside_chalks_strontium(w_model, other):
    # half vermilion over chalk, W 35 kV in air, 1.3 million counts: Sr suggested by its K lines
    # (14.14, 15.83 keV) put Sr L-gamma (2.196 keV, 0.12 of Sr L-alpha's rate; Sr L-alpha, 1.81,
    # no peak) nearer the S K-alpha / Hg M peak (2.25) than S K-alpha (2.31), and anything nearer
    # but an M line dropped S before the fit of the M lines could count it: S was missed in 30 of
    # the 82 vermilion pairs of bench_element_suggestion.py --pairs (W35 air), 0 now
    from xrf_napari.analysis.peaks import suggest_elements

    prof, model = w_model
    e, s = painted_spectrum(prof, [("Vermilion", 0.5), (other, 0.5)], model, 1.3e6, seed=1)
    found = suggest_elements(e, s, fwhm_mn_ev=prof.fwhm_mn_ev, anode=prof.anode, kv=prof.kv)
    assert {"Hg", "S", "Sr"} <= set(found), list(found)
