"""Element suggestions remember detector widths, matched-filter kernels and line tables between
spectra, and take the survey's spectra in runs (session 33: 3-5x faster): what a memory keyed on
too little, or a run mixing its spectra, would change."""

import numpy as np
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum

from xrf_napari.analysis import peaks
from xrf_napari.analysis.peaks import suggest_elements, suggest_for_cube

E = CANONICAL_CAL.energy(512)


def _forget():
    for f in (peaks._fwhm, peaks._zero_area_kernel, peaks._line_table, peaks.lines_by_family):
        f.cache_clear()


def _fresh(*args, **kw):
    _forget()
    return suggest_elements(*args, **kw)


def test_a_narrower_detector_gets_its_own_line_widths():
    """Iron's lines 60 eV high: within half a FWHM of a 200 eV detector, not of an 80 eV one. The
    line table's widths (the matching tolerance) must follow the detector, whichever came first."""
    lines = [(en + 0.06, a) for en, a in element_spectrum_lines("Fe", 1e5)]
    spec = np.random.default_rng(0).poisson(line_spectrum(lines, background=(300.0, -5.0)))
    wide, narrow = _fresh(E, spec, fwhm_mn_ev=200.0), _fresh(E, spec, fwhm_mn_ev=80.0)
    assert "Fe" in wide and "Fe" not in narrow  # the case tells the widths apart
    for first, then, want in ((200.0, 80.0, narrow), (80.0, 200.0, wide)):
        _forget()
        suggest_elements(E, spec, fwhm_mn_ev=first)
        got = suggest_elements(E, spec, fwhm_mn_ev=then)
        assert (list(got), got.warning) == (list(want), want.warning)


def test_runs_of_spectra_suggest_what_each_alone_does():
    """suggest_for_cube on the painting sample's survey (its ~120 spectra in runs, on a second
    energy axis after the first) against each spectrum's own suggest_elements from cold."""
    from xrf_napari._sample_data import sample_path
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.detector import anode_from_metadata, fwhm_from_metadata, kv_from_metadata
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end

    cube = read_cube(sample_path("painting"))
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    total = mean * cube.shape[0] * cube.shape[1]
    kw = {
        "anode": anode_from_metadata(cube.metadata),
        "fwhm_mn_ev": fwhm_from_metadata(cube.metadata) or peaks.DEFAULT_FWHM_MN_EV,
        "kv": kv_from_metadata(cube.metadata),
    }
    want = list(_fresh(cube.energy, total, **kw))
    for spec in spectra:
        for sym in _fresh(cube.energy, spec, confirmed_only=True, **kw):
            if sym not in want:
                want.append(sym)
    _forget()
    suggest_elements(E, line_spectrum(element_spectrum_lines("Pb", 1e5)))  # another axis first
    assert list(suggest_for_cube(cube, total, spectra)) == want
