"""Which parts of a scan have lines that fix the colour family (analysis/ambiguity.py)."""

import numpy as np
import pytest

from xrf_napari.analysis.ambiguity import PRESENT_FEATURE, ambiguity_report, explain
from xrf_napari.analysis.line_features import FEATURE_ELEMENTS


@pytest.mark.parametrize(
    "present, named, expect",
    [
        ({"Hg", "Pb"}, True, "Vermilion"),
        ({"Cd", "Pb"}, True, "Cadmium yellow"),
        ({"Cd", "Se"}, True, "Cadmium red"),
        ({"Co"}, True, "Cobalt blue"),
        ({"Cu", "As"}, True, "Emerald green"),
        ({"Pb", "Sb"}, True, "Naples yellow"),
        ({"Pb", "Sn"}, True, "Lead-tin yellow I"),
        ({"Pb", "Cr"}, True, "Chrome yellow"),
        ({"Fe", "Mn"}, True, "Raw umber"),
        ({"Pb"}, False, "Red lead"),
        ({"Fe"}, False, "Prussian blue"),
        ({"Cu"}, False, "Malachite"),
        ({"Ca"}, False, "Bone black"),
    ],
)
def test_the_lines_that_name_a_colour_and_those_that_do_not(present, named, expect):
    is_named, names = explain(frozenset(present))
    assert is_named is named and expect in names
    if present == {"Pb", "Cr"}:
        assert "Viridian" not in names  # the most specific pigment wins: Pb + Cr is chrome yellow


def test_no_lines_is_ambiguous_with_no_candidate():
    assert explain(frozenset()) == (False, ())


def test_report_maps_the_ambiguous_pixels_and_names_them():
    f = np.zeros((10, 20, len(FEATURE_ELEMENTS)), dtype=np.float32)
    cd, pb = FEATURE_ELEMENTS.index("Cd"), FEATURE_ELEMENTS.index("Pb")
    f[:, :12, cd] = 0.9  # cadmium tint over lead white
    f[:, :12, pb] = 0.4
    f[:, 12:, pb] = 1.0  # lead alone: lead white or red lead
    f[:, :12, FEATURE_ELEMENTS.index("Fe")] = PRESENT_FEATURE - 0.01  # below the threshold
    rep = ambiguity_report(f, FEATURE_ELEMENTS)
    assert rep.ambiguous[:, 12:].all() and not rep.ambiguous[:, :12].any()
    assert rep.ambiguous_share == pytest.approx(0.4)
    assert [s.label() for s in rep.signatures] == ["Cd+Pb", "Pb"]
    msg = rep.message()
    assert "40 %" in msg and "Pb" in msg and "Lead white" in msg and "Cd" not in msg
    with pytest.raises(ValueError, match="features must be"):
        ambiguity_report(f[..., :5], FEATURE_ELEMENTS)


def test_a_scan_named_everywhere_says_so():
    f = np.zeros((4, 4, len(FEATURE_ELEMENTS)), dtype=np.float32)
    f[..., FEATURE_ELEMENTS.index("Hg")] = 0.8
    rep = ambiguity_report(f, FEATURE_ELEMENTS)
    assert not rep.ambiguous.any() and "everywhere" in rep.message()


def test_colour_prior_is_the_colour_the_lines_name_and_nothing_elsewhere():
    """Cd yellow, Co blue, Cu + As green from the pigment table, flagged; Pb alone and no lines
    give zeros (the lines do not name a colour there)."""
    from xrf_napari.analysis.ambiguity import colour_prior
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS as E
    from xrf_napari.models.input_layout import PRIOR_CHANNELS

    f = np.zeros((5, len(E)), np.float32)
    f[0, E.index("Cd")] = 0.9
    f[1, E.index("Co")] = 0.9
    f[2, [E.index("Cu"), E.index("As")]] = 0.7
    f[3, E.index("Pb")] = 0.9
    prior = colour_prior(f.reshape(5, 1, -1), E)
    assert prior.shape == (5, 1, PRIOR_CHANNELS) and prior.dtype == np.float32
    (cd, co, emerald, pb, none) = prior[:, 0]
    assert cd[3] == co[3] == emerald[3] == 1.0
    assert cd[0] > cd[1] > cd[2]  # yellow to orange: red, then green, little blue
    assert co[2] > max(co[0], co[1])  # blue
    assert emerald[1] > max(emerald[0], emerald[2])  # green
    assert not pb.any() and not none.any()


def test_element_sets_are_found_in_a_few_bytes_per_pixel_and_match_a_sort_of_the_codes():
    """Each pixel's element set is a 32-bit code looked up in a table of every set: the same sets,
    pixel indices and counts as sorting 64-bit codes (np.unique), without the int64 copies of a
    bool matrix product that made the report's peak 179 B/px (the recolour memory estimate counts
    2 B/px per element)."""
    import tracemalloc

    from xrf_napari.analysis import ambiguity as amb
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS

    rng = np.random.default_rng(3)
    n = len(FEATURE_ELEMENTS)
    protos = rng.random((30, n), dtype=np.float32) ** 3
    f = protos[rng.integers(0, 30, (512, 512))]
    f += rng.normal(0, 0.05, f.shape).astype(np.float32)
    bits = (f >= amb.PRESENT_FEATURE).reshape(-1, n)
    codes = bits @ (1 << np.arange(n, dtype=np.int64))
    uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    sets, got_inverse, got_counts = amb._signatures(f, FEATURE_ELEMENTS)
    want = [frozenset(e for j, e in enumerate(FEATURE_ELEMENTS) if c >> j & 1) for c in uniq]
    assert sets == want
    np.testing.assert_array_equal(got_inverse, inverse.reshape(-1))
    np.testing.assert_array_equal(got_counts, counts)
    tracemalloc.start()
    try:
        amb.ambiguity_report(f, FEATURE_ELEMENTS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    table = 12 << n  # bincount's counts and the set index: 6 MB, whatever the scan
    assert peak < 2 * n * f.shape[0] * f.shape[1] + table
