"""The pigment fit and the element suggestion read one excitation (optic, cut-off, gas) from a
scan's header: hand-made profiles the generator never writes made them differ."""

from types import SimpleNamespace

import pytest

from xrf_napari.analysis.pigment_fit import PigmentFitError, instrument_for
from xrf_napari.physics.instrument import M6_OPTIC_CUTOFF_KEV, excitation_from_metadata


def _fit_excitation(metadata, **kw):
    profile, _notes = instrument_for(SimpleNamespace(metadata=metadata), **kw)
    cutoff = profile.optic_cutoff_kev if profile.optic == "polycapillary" else None
    return {"optic_cutoff_kev": cutoff, "atmosphere": profile.atmosphere}


def test_a_polycapillary_profile_without_its_cut_off_is_cut_where_the_suggestion_cuts_it():
    """A profile naming optic "polycapillary" but no optic_cutoff_kev: the fit took
    InstrumentProfile's default 20 keV, the element suggestion M6_OPTIC_CUTOFF_KEV (14)."""
    meta = {"profile": {"anode": "Rh", "kv": 50.0, "optic": "polycapillary"}}
    fit = _fit_excitation(meta)
    assert fit["optic_cutoff_kev"] == M6_OPTIC_CUTOFF_KEV
    assert fit["optic_cutoff_kev"] == excitation_from_metadata(meta)["optic_cutoff_kev"]


@pytest.mark.parametrize(
    "profile",
    [
        {"fwhm_mn_ev": 140.0, "optic": "polycapillary", "atmosphere": "helium"},
        {"fwhm_mn_ev": 140.0, "optic": "polycapillary", "optic_cutoff_kev": 17.5},
        "{'fwhm_mn_ev': 140.0, 'optic': 'polycapillary', 'atmosphere': 'Helium'}",  # a repr
    ],
)
def test_a_profile_without_an_anode_keeps_its_optic_and_gas(profile):
    """A profile without an "anode" key: the fit assumed a collimator in air, ignoring the
    optic and gas the profile names, which the element suggestion reads."""
    meta = {"profile": profile, "optic": "Collimator", "atmosphere": "Air"}
    suggestion = excitation_from_metadata(meta)
    fit = _fit_excitation(meta)
    assert fit["optic_cutoff_kev"] == suggestion["optic_cutoff_kev"] is not None
    assert fit["atmosphere"] == (suggestion["atmosphere"] or "air")


@pytest.mark.parametrize(
    "meta",
    [
        {"profile": {"anode": "Rh", "optic": "polycapillary", "optic_cutoff_kev": 23.2}},
        {"profile": {"anode": "Mo", "optic": "collimator", "atmosphere": "helium"}},
        {"optic": "Lens", "atmosphere": "Helium"},  # a Bruker .spx header
        {"optic": "no lens", "atmosphere": "vacuum"},
        {},
    ],
)
def test_the_fit_and_the_suggestion_read_one_excitation(meta):
    suggestion = excitation_from_metadata(meta)
    fit = _fit_excitation(meta)
    assert fit["optic_cutoff_kev"] == suggestion["optic_cutoff_kev"]
    assert fit["atmosphere"] == (suggestion["atmosphere"] or "air")


def test_arguments_override_the_profile_and_unknown_ones_raise_the_fits_error():
    meta = {"profile": {"fwhm_mn_ev": 140.0, "optic": "polycapillary"}}
    assert _fit_excitation(meta, optic="collimator")["optic_cutoff_kev"] is None
    assert _fit_excitation(meta, atmosphere="vacuum")["atmosphere"] == "vacuum"
    with pytest.raises(PigmentFitError, match="unknown optic 'mirror'"):
        instrument_for(SimpleNamespace(metadata=meta), optic="mirror")
    with pytest.raises(PigmentFitError, match="unknown atmosphere 'argon'"):
        instrument_for(SimpleNamespace(metadata=meta), atmosphere="argon")


def test_a_headers_lens_keeps_the_fits_note():
    _profile, notes = instrument_for(SimpleNamespace(metadata={"optic": "Lens"}))
    assert any(
        f"polycapillary lens (named in the file) passing half at {M6_OPTIC_CUTOFF_KEV:g} keV" in n
        for n in notes
    )
