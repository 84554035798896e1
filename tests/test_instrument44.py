"""Pigment fit instrument notes (session 44): a partial instrument profile in the metadata (one
without an anode, or without the geometry, optic or gas) had InstrumentProfile's defaults put in
with no word, where a file with no profile at all gets "no instrument profile in the file: ...
assumed"; a profile without an anode also lost the geometry it gave."""

from dataclasses import asdict

import numpy as np
import pytest

from xrf_napari.analysis.pigment_fit import estimate_missing, instrument_for
from xrf_napari.physics.instrument import InstrumentProfile


class _Cube:
    def __init__(self, metadata):
        self.metadata = metadata


def _partial(notes):
    return [n for n in notes if n.startswith("partial instrument profile")]


@pytest.mark.parametrize(
    "profile", [{"anode": "Mo"}, {"fwhm_mn_ev": 140.0}, {"anode": "W", "kv": 40.0}]
)
def test_a_partial_profile_names_the_geometry_optic_and_gas_it_assumed(profile):
    inst, notes = instrument_for(_Cube({"profile": profile}))
    assert (inst.incidence_deg, inst.takeoff_deg, inst.optic, inst.atmosphere) == (
        90.0,
        60.0,
        "collimator",
        "air",
    )
    assert _partial(notes) == [
        "partial instrument profile in the file (no optic, incidence_deg, takeoff_deg, "
        "atmosphere): a collimator, geometry 90/60 deg and air assumed"
    ], notes


def test_a_profile_without_an_anode_keeps_its_geometry_and_says_what_it_lacks():
    """Its 45/45 deg were dropped for 90/60 (the profile was read only when it named an anode)."""
    prof = {"fwhm_mn_ev": 140.0, "incidence_deg": 45.0, "takeoff_deg": 45.0, "atmosphere": "helium"}
    inst, notes = instrument_for(_Cube({"profile": prof}))
    assert (inst.incidence_deg, inst.takeoff_deg, inst.atmosphere) == (45.0, 45.0, "helium")
    assert _partial(notes) == [
        "partial instrument profile in the file (no optic): a collimator assumed"
    ], notes
    assert "anode not in the metadata: Rh assumed" in notes  # estimated from the spectra later
    # a geometry the profile model refuses is named as assumed, not read
    inst, notes = instrument_for(_Cube({"profile": dict(prof, takeoff_deg=0.0)}))
    assert (inst.incidence_deg, inst.takeoff_deg) == (90.0, 60.0)
    assert "geometry 90/60 deg" in _partial(notes)[0], notes


def test_the_note_survives_the_anode_estimate_and_a_given_optic_or_gas_is_no_assumption():
    _, notes = instrument_for(_Cube({"profile": {"anode": "Mo"}}), optic="lens", atmosphere="air")
    assert _partial(notes) == [
        "partial instrument profile in the file (no incidence_deg, takeoff_deg): "
        "geometry 90/60 deg assumed"
    ], notes
    profile, notes = instrument_for(_Cube({"profile": {"kv": 40.0}}))
    # no spectra: nothing is estimated, the notes go through as they are
    _, out = estimate_missing(profile, notes, np.zeros((0, 512)))
    assert _partial(out) == _partial(notes) != []


def test_a_full_profile_and_no_profile_read_as_before():
    full = asdict(InstrumentProfile(anode="Mo", kv=35.0, incidence_deg=45.0, takeoff_deg=45.0))
    inst, notes = instrument_for(_Cube({"profile": full}))
    assert notes == [] and (inst.anode, inst.incidence_deg) == ("Mo", 45.0)
    _, notes = instrument_for(_Cube({"anode": "Mo"}))
    assert not _partial(notes)
    assert (
        notes[0]
        == "no instrument profile in the file: collimator geometry 90/60 deg assumed, in air"
    )
