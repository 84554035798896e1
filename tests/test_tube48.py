"""The tube guess (analysis.tube_guess) reads the anodes' lines from the physics (session 48)."""

from dataclasses import replace

import numpy as np

from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.synth.dataset import synthesize

BASE = InstrumentProfile(fwhm_mn_ev=145.0, counts_per_pixel=2000.0, optic="collimator")


def _synth(profile: InstrumentProfile, seed: int = 3):
    rng = np.random.default_rng(seed)
    img = (rng.random((2, 2, 3)) * 255).repeat(8, 0).repeat(8, 1).astype(np.uint8)
    return synthesize(img, rng, profile, native=True)


def test_a_mo_tube_scattering_through_65_degrees_is_named():
    """Fails on the parent (None): at 65 deg (incidence 45, take-off 20: the heldout2
    instruments) Mo K-alpha's Compton peak lies 1.9 % below it, above the fixed 3-7 % band the
    guess read (contrast -0.04 there, 0.42 and 25 sigma in the band from 65 deg to backscatter)."""
    from xrf_napari.analysis.tube_guess import guess_anode

    geometry = {"anode": "Mo", "kv": 35.0, "incidence_deg": 45.0, "takeoff_deg": 20.0}
    assert guess_anode(_synth(replace(BASE, **geometry)).counts.reshape(-1, 512)) == "Mo"


def test_the_anodes_read_are_the_physics_anodes_with_a_compton_band_on_the_axis():
    """The anodes and K-alpha energies come from physics.tube.ANODES and xraylib (new function:
    fails on the parent with ImportError): Mo, Rh, Ag; W's K lines lie off the axis and Cu's
    Compton band within its K-alpha peak."""
    from xrf_napari.analysis.tube_guess import k_alpha_anodes
    from xrf_napari.elements import element_lines

    found = k_alpha_anodes()
    assert sorted(found) == ["Ag", "Mo", "Rh"]
    for anode, e in found.items():
        assert e == next(ln.energy for ln in element_lines(anode) if ln.family == "Ka")
