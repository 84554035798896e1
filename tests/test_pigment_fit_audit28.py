"""Pigment fit, audit 28 (runs28/audit_pigfit): the neighbours' spectra may not explain a region
away, the misfit share is the share of counts missed, a lineless spectrum is flagged, a pigment of
the paint is not also its hidden partner, bad in-memory counts get a clear error."""

import numpy as np
import pytest

pytest.importorskip("xraylib")

from _pigment_scans import CANON, RH, stripe_scan

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.cube import cube_from_array

TWO_PAINTS = [
    (["Vermilion", "Lead white"], [0.4, 0.6]),
    (["Emerald green", "Zinc white"], [0.5, 0.5]),
]


def _scan(recipes, size=32, counts_per_pixel=None):
    syn, labels = stripe_scan(recipes, size, seed=1, counts_per_pixel=counts_per_pixel)
    return cube_from_array(syn.counts, CANON, **syn.metadata), labels + 1


def test_unexplained_share_is_the_share_of_counts_missed():
    """'leaves N % of the counts unexplained': a model that explains nothing leaves 100 % (half
    the absolute residual said 50 %), one with half of every channel 50 %."""
    y = np.array([10.0, 30.0, 60.0])
    assert pf.unexplained_share(y, np.zeros(3)) == 1.0
    assert pf.unexplained_share(y, y / 2) == pytest.approx(0.5)
    assert pf.unexplained_share(y, y) == 0.0
    assert pf.unexplained_share(y, 2 * y) == 0.0  # nothing missed


def test_a_flat_spectrum_is_flagged():
    """1,000 counts in every channel: no line at all, yet a mostly-madder-lake paint came out at
    p = 0.42 with no word of doubt. The region now says no line rises above the continuum."""
    counts = np.full((6, 6, 512), 1000.0)
    res = pf.fit_regions(
        cube_from_array(counts, CANON, profile=RH.to_dict()), np.ones((6, 6), np.int32)
    ).regions[0]
    assert "no line rises above the continuum" in res.message
    assert "unreliable" in res.message
    assert pf.line_strength(counts.sum(axis=(0, 1))) < 1.0
    noise = np.random.default_rng(0).poisson(np.full(512, 30.0)).astype(float)
    assert pf.line_strength(noise) < 1.0


def test_paint_regions_are_not_flagged_lineless():
    cube, labels = _scan(TWO_PAINTS, size=16, counts_per_pixel=20.0)  # a few thousand counts
    for r in pf.fit_regions(cube, labels).regions:
        assert r.best is not None
        assert "no line" not in r.message
        assert pf.line_strength(r.spectrum * r.n_pixels) > 2.0


def test_a_pigment_of_the_best_candidate_is_not_its_hidden_partner():
    """Lead white + red lake (red lake is hidden: its lines are too weak to rank) listed red lake
    again as a 'possibly hidden' partner: the page both claimed it seen and said X-rays miss it."""
    lib = pf.component_library(RH)
    best = pf.Candidate(
        ["Lead white", "Red lake"], [0.9, 0.1], ["Pb"], [], (0.9, 0.7, 0.7), 1.0, 1.0, 0.0
    )
    for prior in (None, (0.9, 0.6, 0.6)):
        names = [h.pigment for h in pf.hidden_partners(lib, best, prior)]
        assert "Red lake" not in names
        assert "Carbon black" in names


@pytest.mark.parametrize(
    "bad, said", [(np.nan, "NaN or infinite"), (np.inf, "NaN or infinite"), (-1e6, "negative")]
)
def test_bad_in_memory_counts_are_refused_clearly(bad, said):
    syn, labels = stripe_scan(TWO_PAINTS, 16, seed=1)
    counts = syn.counts.astype(np.float32)
    counts[0, 0, :] = bad
    cube = cube_from_array(counts, CANON, **dict(syn.metadata, name="bad-scan"))
    with pytest.raises(pf.PigmentFitError, match=f"bad-scan: .*region 1 has {said}"):
        pf.fit_regions(cube, labels + 1)


def test_the_misfit_message_gives_the_share_of_counts_missed():
    """A lone spike no line explains: the message said '50 % of the counts unexplained' of a fit
    that explains none of them."""
    counts = np.zeros((6, 6, 512))
    counts[..., 200] = 5000.0
    res = pf.fit_regions(
        cube_from_array(counts, CANON, profile=RH.to_dict()), np.ones((6, 6), np.int32)
    ).regions[0]
    assert "leaves 100 % of the counts unexplained" in res.message
    assert "unreliable" in res.message
