"""Review of session 42's element-suggestion rules (a379969, f94569c): the answer must not depend on
the order of the `elements` a caller passes to analysis.peaks.suggest_elements.

f94569c drops an element whose first peak coincides with a line of an element "kept before it"
(As K-alpha 10.53 keV on Pb L-alpha 10.54) unless another of its peaks is its own. Arsenic and lead
share that one peak, so both have the same strength, and which of them came first was the order of
`elements`: the default list runs by atomic number (As before Pb, lead tested), but a caller's
list naming Pb first made lead the one kept and never tested, and orpiment with cadmium red under
a W tube listed lead again. Spectrum from the repository's forward model (physics.spectrum)."""

import pytest
from _synth_spectra import painted_spectrum, w_tube_profile

from xrf_napari.analysis.peaks import PAINTING_ELEMENTS, suggest_elements


@pytest.fixture(scope="module")
def orpiment_with_cadmium_red():
    """(energy, spectrum) of orpiment and cadmium red over chalk, W tube 35 kV in air."""
    return painted_spectrum(w_tube_profile(), [("Orpiment", 0.5), ("Cadmium red", 0.5)])


@pytest.mark.parametrize(
    "order",
    [
        tuple(reversed(PAINTING_ELEMENTS)),
        tuple(sorted(PAINTING_ELEMENTS)),  # alphabetical: As, ..., Pb, ..., Se
        ("Pb", "As", *[s for s in PAINTING_ELEMENTS if s not in ("Pb", "As")]),
    ],
    ids=["reversed", "alphabetical", "lead-first"],
)
def test_the_suggestion_does_not_depend_on_the_order_of_the_elements(
    orpiment_with_cadmium_red, order
):
    """No lead in orpiment, cadmium red or chalk: whatever the order the elements are given in,
    the same elements are suggested, lead not among them."""
    e, spec = orpiment_with_cadmium_red
    kw = {"anode": "W", "fwhm_mn_ev": 175.0, "kv": 35.0}
    default = set(suggest_elements(e, spec, **kw))
    assert {"As", "Se"} <= default and "Pb" not in default, default
    assert set(suggest_elements(e, spec, elements=order, **kw)) == default
