"""S K-alpha (2.31 keV) on Pb M-alpha (2.35) and beside Hg M-alpha (2.20), judged by a fit whose
M templates follow the known tube.

Spectra from the forward model (physics.spectrum) over chalk under the battery's Rh 40 kV, W 35 kV
and Mo 45 kV tubes in air, one Poisson draw (tests/_synth_spectra.painted_spectrum).
"""

import pytest
from _synth_spectra import painted_spectrum
from test_suggest50 import suggest  # noqa: F401 - the Rh, W (and Mo) fixture, shared

from xrf_napari.analysis.peaks import suggest_elements


@pytest.mark.parametrize("tube", ["Rh", "W"])
@pytest.mark.parametrize(
    "paints", [[("Chrome yellow", 1.0)], [("Lead white", 0.85), ("Orpiment", 0.15)]]
)
def test_sulfur_beside_lead(suggest, tube, paints):  # noqa: F811
    """Chrome yellow's 3 % of sulfur, and lead white with 15 % orpiment: S K-alpha lies 38 eV
    below Pb M-alpha, one peak whose apex sits on lead's line, S 0.08-0.18 of the M lines'
    height there. A fit of both shapes, lead's M lines as the tube excites them, gives S its
    share. The parent never suggested S beside lead."""
    found = suggest(tube, paints, counts=3000 * 256)
    assert {"Pb", "S"} <= set(found), found


@pytest.mark.parametrize("tube", ["Rh", "W"])
@pytest.mark.parametrize("paint", ["Lead white", "Lead-tin yellow I", "Naples yellow"])
def test_no_sulfur_from_lead_m_lines_at_many_counts(suggest, tube, paint):  # noqa: F811
    """A guard of the rule above: lead pigments without sulfur leave S 0.00-0.02 of lead's M
    lines in that fit, under M_FAMILY_EXCESS_TUBE even where 10,000 counts a pixel make it
    many deviations."""
    found = suggest(tube, [(paint, 1.0)], counts=10000 * 256)
    assert "Pb" in found
    assert "S" not in found, found.warning


@pytest.fixture(scope="module")
def suggest_mo45():
    """suggest_elements of paints under the battery's Mo tube at 45 kV (175 eV, 1024 channels),
    the tube named."""
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = InstrumentProfile(
        anode="Mo", kv=45.0, fwhm_mn_ev=175.0, n_channels=1024, offset=-0.1, gain=0.04
    )
    model = SpectrumModel(prof)

    def run(paints, counts: float, seed: int = 0):
        energy, spec = painted_spectrum(prof, paints, model, counts, seed)
        return suggest_elements(energy, spec, anode="Mo", kv=45.0, fwhm_mn_ev=175.0)

    return run


@pytest.mark.parametrize("seed", [1, 2])
def test_vermilion_has_its_sulfur_under_a_mo_tube_at_45_kv(suggest_mo45, seed):
    """Vermilion's S K-alpha between Hg M-alpha and the Mo tube's scattered L-alpha: with Hg's M
    lines as the tube excites them (the tube's own L lines with xraylib's ratios) the fit gives S
    0.51 of their height at 45 kV, 0.32 with the 20 keV M template. The parent lost S in these
    draws (3,000 counts a pixel of 256)."""
    found = suggest_mo45([("Vermilion", 1.0)], 3000 * 256, seed)
    assert {"Hg", "S"} <= set(found), found


@pytest.mark.parametrize("paint", ["Lead white", "Red lead"])
def test_no_sulfur_from_lead_m_lines_under_a_mo_tube(suggest_mo45, paint):
    """A guard of the rule above: lead's M lines as the Mo tube excites them beside its
    scattered L lines leave S below nothing (-0.20 of their height, noise-free) at 10,000 counts
    a pixel."""
    found = suggest_mo45([(paint, 1.0)], 10000 * 256)
    assert "Pb" in found
    assert "S" not in found, found.warning
