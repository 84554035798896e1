"""The detector width read from a scan's own K-alpha peaks (maps.fwhm_from_spectrum) on channels
about as wide as the peaks (session 58)."""

from _synth_spectra import painted_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.energy import Calibration
from xrf_napari.physics.instrument import InstrumentProfile


def test_width_read_on_160_ev_channels_within_2_percent():
    # a Gaussian sampled at the channels' centres, less their w^2 / 12, swings with where each
    # line falls in its channel: zinc white, raw umber, titanium white and lead white over chalk
    # on 160 eV channels read a 165 eV detector (2 % pile-up) as 185 eV, each peak's width now
    # fitted to the channels' edges
    prof = InstrumentProfile(fwhm_mn_ev=165.0, pileup=0.02)
    paints = [("Zinc white", 1), ("Raw umber", 1), ("Titanium white", 1), ("Lead white", 1)]
    _, native = painted_spectrum(prof, paints, counts=1e8)
    b = 16
    y = native[: native.size // b * b].reshape(-1, b).sum(1)
    edges = Calibration(prof.offset + 0.5 * prof.gain * (b - 1), prof.gain * b).edges(y.size)
    read = M.fwhm_from_spectrum(y, edges)
    assert read is not None and abs(read / 165.0 - 1.0) < 0.02, read
