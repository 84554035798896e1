"""Element suggestion: a bump in the Compton band of a tube line is that line's scatter, no
element seen by one line (analysis.peaks._suggest's tube_compton)."""

from _synth_spectra import painted_spectrum, w_tube_profile

from xrf_napari.analysis.peaks import suggest_elements


def test_a_tube_lines_compton_bump_is_no_bismuth():
    # green earth over chalk, W 35 kV in air, 10 million counts: the Compton scatter of the
    # tube's L-gamma1 (11.29 keV; its band 10.81-11.14) made a bump at 10.85 keV, read as Bi
    # L-alpha (10.84) seen alone: Bi L-beta (13.02) at half of it was too weak to be missed
    prof = w_tube_profile()
    e, y = painted_spectrum(prof, [("Green earth", 1.0)], counts=1e7)
    found = suggest_elements(e, y, fwhm_mn_ev=175.0, anode="W", kv=35.0, atmosphere="air")
    assert "Fe" in found and "Bi" not in found, list(found)
