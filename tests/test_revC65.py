"""Session 65, reviewer revC65: the failed refit of a saved calibration (9ba08247) told alike by
the pigment fit's notes."""

from test_cli65 import _resaved


def test_the_pigment_fits_contradiction_does_not_advise_the_anode_whose_fit_failed(tmp_path):
    """A project whose fit for the Mo tube given failed (the saved Rh calibration kept), fitted
    for Mo: the contradiction note advised "--anode on the command line does both (xrf-napari
    pigments FILE --anode Mo, if that is the tube)", which had just failed; info and the
    Spectrum dock say that fit failed (9ba08247). A tube not tried (Cu) is still advised. Fails
    on the parent: that advice for Mo."""
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    cube = read_cube(_resaved(tmp_path))  # the reopened project; the CLI's --anode Mo alike
    for anode in ("Mo", "Cu"):
        said = calibration_notes(cube, InstrumentProfile(anode=anode))[-1]
        assert said.startswith(f"contradiction: the fit's anode is {anode} but"), said
        tried = anode == "Mo"
        assert (f"pigments FILE --anode {anode}" in said) is not tried, said
        words = f"a fit for the {anode} tube given failed, so open the file with a calibration"
        assert (words in said) is tried, said
