"""A neighbour's K-beta read as an element of its own does not name a colour (session 57, cofe57):
Fe K-beta (7.06 keV) in the Co K-alpha window (6.93 keV), Mn K-beta in Fe K-alpha's; and the
pigment fit does not estimate an anode from spectra that show no tube's line."""

import numpy as np
import pytest
from _spectra import element_spectrum_lines, line_spectrum

from xrf_napari.analysis.ambiguity import ambiguity_report, colour_prior
from xrf_napari.analysis.line_features import FEATURE_ELEMENTS, line_features, shares


def _features(parts: dict[str, float], counts: float, side: int = 40, seed: int = 0):
    """(side, side, n) line features of Poisson pixels of `counts` counts whose mean spectrum
    holds each element's lines (K-beta by the line table's rates) in the given proportions of
    its K-alpha area, over a flat background."""
    mean = line_spectrum(
        [ln for e, a in parts.items() for ln in element_spectrum_lines(e, a)], background=(5e-4, 0)
    )
    mean *= counts / mean.sum()
    rng = np.random.default_rng(seed)
    x = rng.poisson(np.broadcast_to(mean, (side * side, mean.size))).astype(np.float32)
    # LineFeatures' product, without importing torch for it
    return shares(x @ line_features().weights).reshape(side, side, -1)


@pytest.mark.parametrize("element, spilt", [("Fe", "Co"), ("Mn", "Fe")])
def test_a_neighbours_k_beta_names_no_colour(element, spilt):
    """Iron alone at 200 counts a pixel: Co read 0.23 from Fe K-beta and 3 % of the pixels were
    "Co+Fe", said named by the lines as cobalt blue; manganese alone was raw umber ("Fe+Mn")
    on a third. The element is marked unsure there, and the pixel is not named."""
    f = _features({element: 1.0}, 200.0)
    present = f[..., FEATURE_ELEMENTS.index(spilt)] >= 0.3
    assert present.any()  # the overlap does reach the threshold somewhere
    rep = ambiguity_report(f, FEATURE_ELEMENTS)
    assert rep.ambiguous.all()
    sig = {s.label(): s for s in rep.signatures}
    label = "+".join(sorted([element, spilt + "?"], key=lambda s: s.rstrip("?")))
    assert not sig[label].named and sig[label].unsure == (spilt,)
    assert f"({spilt}?: no more than {element}'s lines put in the {spilt} window)" in rep.message()
    # the model's input is not the note's: colour_prior still reads the element as present
    prior = colour_prior(f, FEATURE_ELEMENTS)
    assert (prior[..., 3][present] == 1.0).all()


def test_cobalt_blue_over_an_ochre_stays_named():
    """Co beside Fe at a third of iron's line counts, and a thin cobalt at a fifth with counts
    to spare: Co reads far more than Fe K-beta gives, named cobalt blue everywhere."""
    for parts, counts in (({"Co": 1.0, "Fe": 3.0}, 300.0), ({"Co": 1.0, "Fe": 5.0}, 5000.0)):
        rep = ambiguity_report(_features(parts, counts, side=20), FEATURE_ELEMENTS)
        assert not rep.ambiguous.any(), rep.message()
        assert [s.label() for s in rep.signatures] == ["Co+Fe"]
        assert "Cobalt blue" in rep.signatures[0].candidates


def test_pigments_assume_the_anode_where_no_tube_line_shows():
    """An iron-only scan without scatter peaks: the anode was "Ag estimated from the spectra (fit
    quality ...)", chosen by each anode's fit of lines no tube put there. It stays assumed, and
    the note says why; a scan showing a tube's scattered K-alpha is still estimated from."""
    from _spectra import CANONICAL_CAL

    from xrf_napari.analysis.pigment_fit import instrument_for, iter_estimate_missing
    from xrf_napari.cube import cube_from_array
    from xrf_napari.progress import run_to_end

    fe = line_spectrum(element_spectrum_lines("Fe", 4000.0), background=(0.5, 0))
    cube = cube_from_array(np.broadcast_to(fe, (2, 2, fe.size)).astype(np.float32), CANONICAL_CAL)
    profile, notes = instrument_for(cube, fwhm_mn_ev=140.0)  # the anode alone is missing
    got, said = run_to_end(iter_estimate_missing(profile, notes, fe[None] * 4))
    (note,) = [n for n in said if n.startswith("anode not in the metadata")]
    assert got.anode == profile.anode and "estimated" not in note, note
    from xrf_napari.analysis.pigment_fit import NO_TUBE_LINE_TO_ESTIMATE, _tube_lines_shown

    assert note == f"anode not in the metadata: {profile.anode} assumed {NO_TUBE_LINE_TO_ESTIMATE}"
    # the tube's scattered K-alpha and its Compton band: something to go on
    rh = line_spectrum([(20.17, 3000.0), (19.3, 1500.0)], background=(0.5, 0))
    assert _tube_lines_shown((fe + rh)[None]) and not _tube_lines_shown(fe[None])
