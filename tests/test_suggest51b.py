"""Se K-alpha (11.22 keV) on the W tube's scattered L-gamma1 (11.29 keV) beside iron pigments:
the tube's where the fit of both shapes leaves selenium no more than noise.

Spectra from the forward model (physics.spectrum) over chalk under the pairs benchmark's W 35 kV
air tube, one Poisson draw of 1.28 million counts (20,000 a pixel x 64, as bench_element_suggestion
--pairs), read through suggest_for_cube with the instrument profile, as the benchmark does.
"""

import pytest
from _synth_spectra import painted_spectrum


@pytest.fixture(scope="module")
def suggest_w35():
    """suggest_for_cube of one spectrum of `paints` under the W 35 kV tube, the profile named."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = InstrumentProfile(
        anode="W", kv=35.0, fwhm_mn_ev=175.0, n_channels=1024, offset=-0.1, gain=0.0391
    )
    model = SpectrumModel(prof)
    cal = Calibration(prof.offset, prof.gain, source="file")

    def run(paints, seed: int):
        _, spec = painted_spectrum(prof, paints, model, 1.28e6, seed)
        cube = Cube(spec[None, None], cal, metadata={"profile": {**prof.__dict__}})
        return suggest_for_cube(cube)

    return run


@pytest.mark.parametrize(
    ("paints", "seed"),
    [
        ([("Red ochre", 0.5), ("Cobalt violet", 0.5)], 115),
        ([("Red ochre", 0.5), ("Cobalt violet", 0.5)], 127),
        ([("Red ochre", 0.85), ("Cobalt blue", 0.15)], 144),
    ],
)
def test_no_selenium_from_the_w_tube_l_gamma(suggest_w35, paints, seed):
    """No selenium in these paints: the fit of Se K against W's L family leaves Se under one
    deviation of a peak 13-14 deviations tall, noise on a peak that is all the tube's. The
    parent kept Se (with the "may be only the tube's" warning) wherever that share was above
    zero."""
    found = suggest_w35(paints, seed)
    assert {"Fe", "Co"} <= set(found), list(found)
    assert "Se" not in found, found.warning


@pytest.mark.parametrize("paints", [[("Vermilion", 0.85), ("Cadmium red", 0.15)]])
def test_selenium_of_cadmium_red_kept(suggest_w35, paints):
    """A guard: 15 % of cadmium red (its Se tens of deviations in that fit) keeps its Se."""
    assert "Se" in suggest_w35(paints, 0)
