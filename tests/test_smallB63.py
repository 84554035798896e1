"""Session 63, small fixes to what the docks and commands say (helper smallB63)."""

from types import SimpleNamespace

import pytest


def test_the_pigments_dock_s_unexplained_note_says_what_misfit_means():
    """The dock's Note cell showed "unexplained: Ti Ka misfit 4.53 keV" with no word of what it
    means (read as titanium the candidate lacks), where report.html and candidates.csv say it:
    its tooltip now gives the same words. A region's message, or no unexplained line, is shown
    as before, without them."""
    pytest.importorskip("qtpy")
    from xrf_napari.analysis.pigment_report import UNEXPLAINED_WORDS
    from xrf_napari.widgets.pigments import region_note

    best = SimpleNamespace(unexplained=["Ti Ka misfit 4.53 keV", "Cr Ka 5.41 keV"])
    note, tip = region_note(SimpleNamespace(message="", best=best), "a hint")
    assert note == "a hint; unexplained: Ti Ka misfit 4.53 keV, Cr Ka 5.41 keV"
    assert tip.startswith(note) and UNEXPLAINED_WORDS in tip
    for region in (
        SimpleNamespace(message="too few counts", best=best),
        SimpleNamespace(message="", best=SimpleNamespace(unexplained=[])),
        SimpleNamespace(message="", best=None),
    ):
        note, tip = region_note(region)
        assert tip == note and UNEXPLAINED_WORDS not in tip
