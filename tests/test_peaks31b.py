"""Calibration warning: a suggested element's own weak L lines explain their peaks (peaks31b)."""

import pytest
from test_peaks30 import SAMPLE_SCANNER, paint, suggest


@pytest.fixture(scope="module")
def vermilion():
    return paint([("Vermilion", 1.0)], total=1e6, seed=0, **SAMPLE_SCANNER)


def test_vermilion_on_a_true_axis_gives_no_calibration_warning(vermilion):
    """Vermilion on the sample scanner's 512-channel grid, the anode known: Hg L-l (8.72 keV),
    L-eta (10.65) and L-gamma1 (13.83, 1 FWHM below the L-gamma mean 14.04) counted as strong
    peaks no line explains, 4 of 7, and the true axis was called off."""
    e, y, profile = vermilion
    got = suggest(e, y, profile)
    assert "Hg" in got, got
    assert got.warning == "", got.warning


@pytest.mark.parametrize("axis", [lambda e: e + 0.08, lambda e: e * 1.01, lambda e: e * 1.02])
def test_vermilion_on_a_wrong_axis_still_warns(vermilion, axis):
    """The lines added to the check do not explain the peaks of a shifted or stretched axis."""
    e, y, profile = vermilion
    assert suggest(axis(e), y, profile).warning


def test_minor_l_lines_are_labelled_and_apart_from_the_families():
    """L-l below L-alpha, L-eta between L-alpha and L-beta; element_lines holds neither."""
    from xrf_napari.elements import element_lines, minor_lines

    got = {ln.label: ln.energy for ln in minor_lines("Hg")}
    assert set(got) == {"Hg Ll", "Hg L\u03b7"}, got
    fam = {ln.family: ln.energy for ln in element_lines("Hg")}
    assert got["Hg Ll"] < fam["La"] < got["Hg L\u03b7"] < fam["Lb"], (got, fam)
    assert not {"Ll", "Ln"} & set(fam), "the families (the models' line table) stay as they were"
