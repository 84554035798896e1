"""Pigment fit, session 54: the anode estimate's note and the instrument notes' "assumed" flag.

The fit-quality anode estimate (`iter_estimate_missing`: every anode's forward model fitted to the
brightest regions) said "estimated from the spectra (scatter lines)", the words of the other
method (tube_guess.scan_anode reads the anode off the scattered tube lines). `_missing` told an
assumed value from an estimated one by the note's wording: an estimated resolution ("detector
resolution not in the metadata: about 145 eV ..., estimated from the peak widths") still read as
missing, so the notes after the estimate asked for four more trials."""

import numpy as np
import pytest
from test_instrument44 import _Cube

from xrf_napari.analysis import pigment_fit as pf


def _one_trial_each(monkeypatch, profile):
    """The estimate on one anode and one width, the profile's own: one component library."""
    from xrf_napari.physics import tube

    monkeypatch.setattr(tube, "ANODES", (profile.anode,))
    monkeypatch.setattr(pf, "FWHM_GRID", (profile.fwhm_mn_ev,))
    lib = pf.component_library(profile)
    lead = lib.paint[[p.name for p in lib.pigments].index("Lead white"), 1]
    return np.random.default_rng(0).poisson(2e4 * lead / lead.max() + 1.0, (4, lead.size))


def test_the_fit_quality_estimate_says_fit_quality_not_scatter_lines(monkeypatch):
    pytest.importorskip("xraylib")
    profile, notes = pf.instrument_for(_Cube({}))
    spectra = _one_trial_each(monkeypatch, profile)
    _, out = pf.estimate_missing(profile, notes, spectra.astype(float))
    said = [n for n in out if n.startswith("anode not in the metadata")]
    assert len(said) == 1, out
    assert "fit quality" in said[0] and "(scatter lines)" not in said[0], said
    assert said[0].startswith(f"anode not in the metadata: {profile.anode} estimated from the")


def test_estimated_values_are_no_longer_missing_whatever_the_words(monkeypatch):
    pytest.importorskip("xraylib")
    profile, notes = pf.instrument_for(_Cube({}))
    assert pf._missing(notes) == (True, True)
    assert pf.estimation_trials(notes) > 0
    spectra = _one_trial_each(monkeypatch, profile)
    _, out = pf.estimate_missing(profile, notes, spectra.astype(float))
    # the resolution's estimate begins "detector resolution not in the metadata" too
    assert any(n.startswith("detector resolution not in the metadata") for n in out), out
    assert pf._missing(out) == (False, False), out
    assert pf.estimation_trials(out) == 0


def test_missing_reads_the_flag_not_the_text():
    _, notes = pf.instrument_for(_Cube({}))
    # the same words as plain text are no assumption; the flag is, whatever its words
    assert pf._missing([str(n) for n in notes]) == (False, False)
    flagged = [
        pf.AssumedNote("tube: default", "anode"),
        pf.AssumedNote("FWHM: default", "resolution"),
    ]
    assert pf._missing(flagged) == (True, True)
    kinds = {getattr(n, "assumed", "") for n in notes}
    assert {"anode", "kv", "resolution"} <= kinds, notes


def test_an_anode_from_the_scatter_lines_replaces_the_assumed_note(monkeypatch):
    """A guard: the scan's anode (tube_guess.scan_anode) replaces the flagged note with its own
    words, and the anode is then no longer missing (the resolution still is)."""
    from xrf_napari.analysis import tube_guess

    profile, notes = pf.instrument_for(_Cube({}))
    seen = "estimated from the spectra (scatter lines)"
    monkeypatch.setattr(tube_guess, "scan_anode", lambda cube, sums: ("Mo", seen))
    out_profile, out = pf._scan_anode(_Cube({}), profile, notes, np.zeros((1, 512)))
    assert out_profile.anode == "Mo"
    assert f"anode not in the metadata: Mo {seen}" in out, out
    assert pf._missing(out) == (False, True), out


def test_the_lakes_substrate_tells_yellow_lake_from_red_lake():
    """A guard: yellow lake (weld on chalk: half CaCO3) and red lake (lac on alumina, 5 % CaCO3)
    show the same elements (Al, K, S, Ca) and are X-ray twins, but not the same line ratios: the
    forward model's own yellow lake swatch over a gypsum ground fits red lake with about 7 times
    its chi-square (beyond TWIN_CHI2_RATIO), and is named yellow lake. That is the information the
    ranking uses before the base rates (red lake 120, yellow lake 75 training regions), which
    order only twins the lines leave within TWIN_CAP; treating every such twin as a tie lost
    yellow lake on 9 more of the 18 table panels (docs/pigments_guide.md, session 54)."""
    from test_pigments52 import PROFILE

    from xrf_napari.energy import canonical_energy

    lib = pf.component_library(PROFILE)
    paint = lib.paint[lib.index("Yellow lake"), 1]
    scatter = lib.own_scatter[lib.index("Yellow lake")]
    y = (
        paint / paint.sum() * 3e5
        + lib.ground[0, 0] / lib.ground[0, 0].sum() * 1e5
        + scatter / scatter.sum() * 6e5
    )
    y = np.random.default_rng(1).poisson(y).astype(float)
    cands, _ = pf.rank_region(lib, y, [0, 1], canonical_energy())
    assert cands[0].pigments == ["Yellow lake"] and cands[0].probability > 0.9, cands[:3]
    red = next(c for c in cands if c.pigments == ["Red lake"])
    assert red.chi2 > pf.TWIN_CHI2_RATIO * cands[0].chi2, (red.chi2, cands[0].chi2)
