"""Guards for session 49's speed-ups, which must change no result: the element suggestion's line
tests and fit templates shared by a scan's spectra (analysis.peaks: _l_lines_on_k, _l_beta_on,
_family_on_k, _shell_template, _main_lines) and element_maps' product on one BLAS thread
(analysis.maps). The expected suggestions are those of the parent commit 13cc628."""

from pathlib import Path

import numpy as np
import pytest
from _synth_spectra import painted_spectrum, w_tube_profile

import xrf_napari
from xrf_napari.analysis.peaks import suggest_elements, suggest_for_cube

PAINTING = Path(xrf_napari.__file__).parent / "sample_data" / "painting.h5"

SAMPLE_SUGGESTED = [
    "Zn", "Ti", "Ca", "Pb", "S", "Co", "Fe", "Cr", "Sr", "Cu", "Hg", "Mn", "Si", "Al", "Sn", "Ba",
    "Se", "As", "Cd",
]  # fmt: skip
MO_S = "S K-alpha (2.31 keV) lies on Mo's L lines and the spectrum cannot tell them apart: S may be only Mo's"  # noqa: E501


def _profiles():
    from xrf_napari.physics.instrument import InstrumentProfile, bruker_m6

    mo = InstrumentProfile(
        anode="Mo", kv=30.0, fwhm_mn_ev=140.0, n_channels=2048, offset=-0.05, gain=0.015
    )
    return {"m6": bruker_m6(), "w": w_tube_profile(), "mo": mo}


# (instrument, paints, counts, {detector FWHM at Mn K-alpha: (suggested, warning)})
CASES = [
    ("w", [("Orpiment", 0.5), ("Cadmium red", 0.5)], 1.3e6,
     {175.0: ("As Se S Ca Cd Sr Ba", ""), 190.0: ("As Se S Ca Cd Sr Ba", "")}),
    ("w", [("Vermilion", 0.4), ("Lead white", 0.4), ("Orpiment", 0.2)], 3e5,
     {175.0: ("Pb As Hg S", ""), 190.0: ("Pb As Hg S", "")}),
    ("m6", [("Lead white", 0.5), ("Cadmium red", 0.5)], 1.3e6,
     {141.7: ("Pb S Se Sr Ba Cd", ""), 190.0: ("Pb S Se Sr Ba Cd", "")}),  # CdS's S: ea6d41e
    ("mo", [("Red lake", 1.0)], 3e5,
     {140.0: ("Ca Sr S K Al", MO_S), 190.0: ("Ca Sr S K Al", "")}),
]  # fmt: skip


def test_the_painting_samples_suggestions_are_unchanged_and_the_same_again():
    """The survey's ~120 spectra through suggest_for_cube, twice: the second run reads what the
    first left in the shared caches and must give the same list and warning."""
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end

    cube = read_cube(PAINTING)
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    total = mean * cube.shape[0] * cube.shape[1]
    for _ in range(2):
        got = suggest_for_cube(cube, total, spectra)
        assert list(got) == SAMPLE_SUGGESTED
        assert got.warning == ""


def test_generated_spectra_are_suggested_as_before_whatever_width_came_first():
    """Each spectrum at two detector widths, the first width again after the second: the shared
    line tests key on the width and must not carry one width's answer to another's."""
    profiles = _profiles()
    for name, paints, counts, expected in CASES:
        prof = profiles[name]
        e, spec = painted_spectrum(prof, paints, None, counts, 0)
        widths = list(expected)
        for fw in [*widths, widths[0]]:
            got = suggest_elements(e, spec, anode=prof.anode, fwhm_mn_ev=fw, kv=prof.kv)
            want, warning = expected[fw]
            assert (" ".join(got), got.warning) == (want, warning), (name, paints, fw)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_element_maps_on_one_blas_thread_give_the_products_maps_and_leave_blas_as_it_was():
    """element_maps runs its product on one BLAS thread: the maps are still the float64 product
    of the cube with plan_for_cube's weights to float32's rounding, and a caller's BLAS limit
    (two threads) is in force again afterwards."""
    from threadpoolctl import threadpool_limits

    from xrf_napari.analysis.maps import element_maps, plan_for_cube
    from xrf_napari.io import read_cube

    cube = read_cube(PAINTING)
    symbols = ["Pb", "Hg", "Ca", "Fe", "Cu", "Zn", "Ti", "Cd"]
    with threadpool_limits(2):
        if max(_blas_threads(), default=1) < 2:
            pytest.skip("no BLAS here that runs more than one thread")
        maps = element_maps(cube, symbols)
        assert max(_blas_threads()) == 2
    plans, w = plan_for_cube(cube, symbols)
    data = np.asarray(cube.data, dtype=np.float64).reshape(-1, cube.n_channels)
    expected = (data @ w).reshape(*cube.shape[:2], len(plans))
    assert list(maps) == [p.symbol for p in plans] == symbols
    for i, p in enumerate(plans):
        np.testing.assert_allclose(maps[p.symbol], expected[..., i], rtol=1e-5, atol=1e-3)
