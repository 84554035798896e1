"""A header's optic is read as a lens only where it names one, not where it denies one."""

import pytest

from xrf_napari.physics.instrument import optic_is_lens


@pytest.mark.parametrize(
    "text", ["Lens", "polycapillary", "Polycapillary lens", "poly-capillary optic"]
)
def test_optics_that_name_a_lens_are_a_lens(text):
    assert optic_is_lens(text)


@pytest.mark.parametrize(
    "text",
    [
        "no lens",
        "No-lens",
        "lensless",
        "without a polycapillary",
        "non-capillary",
        "not lens",
        "collimator (no capillary)",
        "Collimator",
        "",
        None,
    ],
)
def test_optics_that_deny_a_lens_are_not_a_lens(text):
    assert not optic_is_lens(text)


@pytest.mark.parametrize(
    "text",
    [
        "lens not fitted",
        "Lens: none",
        "capillary removed",
        "Polycapillary lens absent",
        "polycapillary (not installed)",
    ],
)
def test_optics_that_deny_a_lens_after_the_word_are_not_a_lens(text):
    assert not optic_is_lens(text)


@pytest.mark.parametrize(
    "text",
    ["Lens, collimator removed", "polycapillary; collimator not fitted", "Lens, not a collimator"],
)
def test_a_denial_in_another_phrase_leaves_the_lens(text):
    assert optic_is_lens(text)
