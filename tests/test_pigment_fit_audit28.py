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
