"""Session 49, tube area: the toy cubes' tube lines, the training ranges the OOD note quotes."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("anode", ["Rh", "Mo", "W", "Cu", "Ag", "Cr"])
def test_a_toy_cube_takes_every_anode_the_physics_does_and_scatters_its_line(anode):
    """toy_data kept its own table of four anodes' lines: an Ag or Cr toy cube raised KeyError,
    and the Rh, Mo, Cu and W lines were restated by hand (Rh 20.2 keV, xraylib's K-alpha 20.17)."""
    from xrf_napari.elements import element_lines
    from xrf_napari.physics.tube import ANODES
    from xrf_napari.training.toy_data import anode_line, toy_cube

    assert anode in ANODES
    counts, _, meta = toy_cube(6, 6, anode=anode, seed=1)
    assert counts.shape == (6, 6, 512) and meta["profile"]["anode"] == anode
    lines = {ln.family: ln.energy for ln in element_lines(anode)}
    # K-alpha, as the physics draws it; W's L-alpha (its K-alpha, 59 keV, is off the axis)
    assert anode_line(anode) == lines["La" if anode == "W" else "Ka"]


def test_a_toy_cube_of_an_anode_the_physics_lacks_names_it():
    from xrf_napari.training.toy_data import toy_cube

    with pytest.raises(ValueError, match="unknown anode 'Fe'"):
        toy_cube(4, 4, anode="Fe")


def test_the_ood_note_quotes_the_training_ranges_the_generator_draws():
    """ood.TRAINED restated random_profile's literals (120-165 eV, 100-10,000 counts): both now
    read physics.instrument's, and the "train" family's draws span them."""
    import numpy as np

    from xrf_napari.analysis.ood import TRAINED
    from xrf_napari.physics import instrument

    assert TRAINED["fwhm_mn_ev"] is instrument.TRAIN_FWHM_MN_EV
    assert TRAINED["counts_per_pixel"] is instrument.COUNTS_PER_PIXEL
    drawn = [instrument.random_profile(np.random.default_rng(s), "train") for s in range(400)]
    for key, (lo, hi) in (
        ("fwhm_mn_ev", TRAINED["fwhm_mn_ev"]),
        ("counts_per_pixel", TRAINED["counts_per_pixel"]),
    ):
        got = np.array([getattr(p, key) for p in drawn])
        assert lo <= got.min() < lo + 0.05 * (hi - lo) and hi - 0.05 * (hi - lo) < got.max() <= hi


def _pigment_on_chalk(anode: str, kv: float, pigment: str):
    """(energy, counts) of a pigment over chalk, forward model, 3e5 counts (2048 channels)."""
    from _synth_spectra import painted_spectrum

    from xrf_napari.physics.instrument import InstrumentProfile

    prof = InstrumentProfile(
        anode=anode, kv=kv, fwhm_mn_ev=150.0, n_channels=2048, offset=-0.05, gain=0.02
    )
    return painted_spectrum(prof, [(pigment, 1.0)], counts=3e5)


@pytest.mark.parametrize(
    ("anode", "kv", "pigment"),
    [("Cr", 25.0, "Azurite"), ("Cr", 25.0, "Red ochre"), ("Mo", 30.0, "Azurite")],
)
def test_an_axis_0_1_kev_low_whose_unexplained_peaks_tie_the_explained_is_warned(
    anode, kv, pigment
):
    """Since the Compton allowance came from the physics (6be8e0a), a Cr tube's Ca K peaks count
    in the calibration check; an axis 0.1 keV low reads them as Sb L-alpha and L-beta (explained)
    while Cu or Fe K (unexplained) tie with them 2 to 2, and the tube's own scatter peak, 0.1 keV
    low, sits where its Compton band may (5.30-5.41 keV) and cannot count: "unexplained outnumber
    explained" said nothing, and Sb was suggested for azurite without a word (so under a Mo tube,
    before and after 6be8e0a). A tie of two or more now warns."""
    from xrf_napari.analysis.peaks import suggest_elements

    e, y = _pigment_on_chalk(anode, kv, pigment)
    true = suggest_elements(e, y, anode=anode, fwhm_mn_ev=150.0, kv=kv)
    assert "calibration looks off" not in true.warning, true.warning
    low = suggest_elements(e - 0.1, y, anode=anode, fwhm_mn_ev=150.0, kv=kv)
    assert "calibration looks off" in low.warning, (list(low), low.warning)
