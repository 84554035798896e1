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


def test_the_note_survives_the_anode_estimate_and_a_given_optic_or_gas_is_no_assumption(
    monkeypatch,
):
    _, notes = instrument_for(_Cube({"profile": {"anode": "Mo"}}), optic="lens", atmosphere="air")
    assert _partial(notes) == [
        "partial instrument profile in the file (no incidence_deg, takeoff_deg): "
        "geometry 90/60 deg assumed"
    ], notes
    pytest.importorskip("xraylib")
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.physics import tube

    profile, notes = instrument_for(_Cube({"profile": {"kv": 40.0}}))
    assert _partial(notes) != [] and pf._missing(notes) == (True, True), notes
    # the estimate runs (both its anode and its resolution pass, which replace their notes) on
    # one candidate each, the profile's own (Rh, 142 eV): one component library, about a second,
    # where every anode and FWHM_GRID's four widths take 9 (test_pigment_fit checks the estimate)
    monkeypatch.setattr(tube, "ANODES", (profile.anode,))
    monkeypatch.setattr(pf, "FWHM_GRID", (profile.fwhm_mn_ev,))
    lib = pf.component_library(profile)
    lead = lib.paint[[p.name for p in lib.pigments].index("Lead white"), 1]
    spectra = np.random.default_rng(0).poisson(2e4 * lead / lead.max() + 1.0, (4, lead.size))
    _, out = estimate_missing(profile, notes, spectra.astype(float))
    assert any(n.endswith(pf.FIT_ESTIMATE) for n in out), out  # not "(scatter lines)"
    assert any(n.endswith("estimated from the peak widths") for n in out), out
    assert not any(n.endswith("assumed") and "not in the metadata" in n for n in out), out
    assert _partial(out) == _partial(notes), out


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
