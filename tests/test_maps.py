"""Element maps: known line areas come back, overlaps are separated, the cube is read once."""

import numpy as np
import pytest
from _spectra import (
    CANONICAL_CAL,
    cube_of,
    element_spectrum_lines,
    line_spectrum,
    template_spectrum,
)

from xrf_napari.analysis.maps import (
    composite_rgb,
    detector_fwhm_kev,
    element_maps,
    iter_element_maps,
    plan_for_cube,
)
from xrf_napari.cube import Cube, cube_from_array
from xrf_napari.energy import Calibration


def test_fwhm_model_matches_mn_and_grows_with_energy():
    assert detector_fwhm_kev(5.899, 140.0) == pytest.approx(0.140, abs=1e-6)
    assert detector_fwhm_kev(5.899, 160.0) == pytest.approx(0.160, abs=1e-6)
    widths = detector_fwhm_kev(np.array([2.0, 6.0, 12.0]), 140.0)
    assert np.all(np.diff(widths) > 0)
    assert 0.09 < widths[0] < 0.11 and 0.17 < widths[2] < 0.20
    # a stated width below the F = 0.114 Fano limit (119.8 eV) holds, still growing with energy
    # (it was widened to 119.8 eV without a word)
    assert detector_fwhm_kev(5.899, 110.0) == pytest.approx(0.110, abs=1e-6)
    sharp = detector_fwhm_kev(np.array([2.0, 12.0]), 110.0)
    assert sharp[0] < sharp[1] and sharp[1] == pytest.approx(0.110 * np.sqrt(12.0 / 5.899))


def test_line_areas_recovered_over_sloped_background():
    bg = (40.0, -1.2)  # counts per channel, linear in energy
    fe_cu = line_spectrum([(6.3995, 1000.0), (8.041, 500.0)], background=bg)
    blank = line_spectrum([], background=bg)
    maps = element_maps(cube_of([[fe_cu, blank], [blank, fe_cu * 0 + blank]]), ["Fe", "Cu"])
    assert maps["Fe"].shape == (2, 2) and maps["Fe"].dtype == np.float32
    assert maps["Fe"][0, 0] == pytest.approx(1000.0, rel=0.01)
    assert maps["Cu"][0, 0] == pytest.approx(500.0, rel=0.01)
    assert np.abs(maps["Fe"].ravel()[1:]).max() < 1.0  # the background alone maps to ~0


def test_without_background_the_continuum_is_counted():
    spec = line_spectrum([(6.3995, 1000.0)], background=(40.0, 0.0))
    with_bg = element_maps(cube_of([[spec]]), ["Fe"])["Fe"][0, 0]
    without = element_maps(cube_of([[spec]]), ["Fe"], background=False)["Fe"][0, 0]
    assert with_bg == pytest.approx(1000.0, rel=0.01)
    assert without > with_bg + 100  # ~6 channels of 40 counts, rescaled


def test_lead_and_arsenic_use_their_separable_lines():
    pb = line_spectrum(element_spectrum_lines("Pb", 1000.0), background=(10.0, 0.0))
    as_ = line_spectrum(element_spectrum_lines("As", 1000.0), background=(10.0, 0.0))
    cube = cube_of([[pb, as_]])
    naive = element_maps(cube, ["As"])["As"]
    assert naive[0, 0] > 900  # As K-alpha alone cannot tell lead from arsenic
    maps = element_maps(cube, ["Pb", "As"])
    plans, _ = plan_for_cube(cube, ["Pb", "As"])
    assert [p.line.family for p in plans] == ["Lb", "Kb"]
    assert maps["As"][0, 0] < 5 and maps["Pb"][0, 1] < 5
    # 800 counts of Pb L-beta, one line at its mean here: the window is scaled to Pb's L-beta
    # transitions, L-beta3 and 4 under its side windows, whose area it reads (test_revM61.py)
    assert maps["Pb"][0, 0] == pytest.approx(1018.0, rel=0.02)
    as_kb = dict(element_spectrum_lines("As", 1000.0))
    assert maps["As"][0, 1] == pytest.approx(
        max(a for e, a in as_kb.items() if 11.5 < e < 12), rel=0.03
    )


def test_sulfur_separated_from_lead_and_mercury_m_lines():
    bg = line_spectrum([], background=(10.0, 0.0))
    pb, hg = (
        template_spectrum("Pb", 2000.0, family="Ma"),
        template_spectrum("Hg", 2000.0, family="Ma"),
    )
    s = template_spectrum("S", 1000.0)
    cube = cube_of([[pb + bg, hg + bg, s + bg, s + pb + bg]])
    assert element_maps(cube, ["S"])["S"][0, 0] > 300  # a plain window sees lead as sulfur
    maps = element_maps(cube, ["S", "Pb", "Hg"], clip=False)
    plans, _ = plan_for_cube(cube, ["S", "Pb", "Hg"])
    assert plans[0].method == "fit" and "Pb" in plans[0].note and "Hg" in plans[0].note
    s_map = maps["S"][0]
    assert abs(s_map[0]) < 5 and abs(s_map[1]) < 5
    assert s_map[2] == pytest.approx(1000.0, rel=0.01)
    assert s_map[3] == pytest.approx(1000.0, rel=0.01)


def test_titanium_and_barium_separated():
    bg = line_spectrum([], background=(20.0, -0.5))
    ti, ba = (
        template_spectrum("Ti", 1000.0),
        template_spectrum("Ba", 1000.0),
    )  # Ti K-alpha, Ba L-alpha
    ca = template_spectrum(
        "Ca", 3000.0
    )  # a neighbour inside the fitted region (Ca K-beta 4.01 keV)
    cube = cube_of([[ti + bg + ca, ba + bg + ca, ti + ba + bg + ca]])
    naive = element_maps(cube, ["Ti"])["Ti"][0]
    assert naive[1] > 500  # Ba L-alpha inside the Ti K-alpha window
    maps = element_maps(cube, ["Ti", "Ba", "Ca"], clip=False)
    np.testing.assert_allclose(maps["Ti"][0], [1000.0, 0.0, 1000.0], atol=10)
    np.testing.assert_allclose(maps["Ba"][0], [0.0, 1000.0, 1000.0], atol=10)
    rng = np.random.default_rng(0)  # with counting noise the fit stays unbiased
    noisy = rng.poisson(np.broadcast_to(ba + bg + ca, (40, 40, 512))).astype(np.float32)
    ti_on_ba = element_maps(cube_of(noisy.tolist()), ["Ti", "Ba", "Ca"], clip=False)["Ti"]
    assert abs(ti_on_ba.mean()) < 3 * ti_on_ba.std() / 40


def test_present_elements_trigger_overlap_rules_without_being_mapped():
    pb = line_spectrum(element_spectrum_lines("Pb", 1000.0), background=(10.0, 0.0))
    maps = element_maps(cube_of([[pb]]), ["As"], present=["Pb"])
    assert maps["As"][0, 0] < 5


def test_explicit_line_choice_and_errors():
    spec = line_spectrum(element_spectrum_lines("Fe", 1000.0))
    cube = cube_of([[spec]])
    kb = element_maps(cube, ["Fe"], lines={"Fe": "Kb"})["Fe"][0, 0]
    ka = element_maps(cube, ["Fe"])["Fe"][0, 0]
    assert kb == pytest.approx(ka * dict(zip(("Ka", "Kb"), (1, 0.118 / 0.882)))["Kb"], rel=0.05)
    with pytest.raises(ValueError, match="no La line"):
        element_maps(cube, ["Fe"], lines={"Fe": "La"})  # Fe L is below 1 keV
    with pytest.raises(ValueError, match="at least one"):
        element_maps(cube, [])
    raw = cube_from_array(np.ones((2, 2, 64), np.uint16))  # no calibration
    with pytest.raises(ValueError, match="no energy calibration") as err:
        element_maps(raw, ["Fe"])
    assert "JSON sidecar" in str(err.value)  # a way that exists (the docks have no control)


class CountingArray:
    """Array wrapper counting reads, to check the single streaming pass."""

    def __init__(self, a):
        self.a, self.reads = a, 0
        self.shape, self.dtype = a.shape, a.dtype

    def __getitem__(self, key):
        self.reads += 1
        return self.a[key]


def test_one_pass_for_all_elements_and_blocks_agree():
    rng = np.random.default_rng(1)
    spec = line_spectrum(
        element_spectrum_lines("Fe", 300.0)
        + element_spectrum_lines("Pb", 300.0)
        + element_spectrum_lines("Ca", 300.0),
        background=(5.0, 0.0),
    )
    data = rng.poisson(np.broadcast_to(spec, (12, 7, spec.size))).astype(np.uint16)
    arr = CountingArray(data)
    cube = Cube(arr, CANONICAL_CAL)
    row_bytes = 7 * spec.size * 4
    gen = iter_element_maps(cube, ["Fe", "Pb", "Ca"], block_bytes=3 * row_bytes)
    progress = []
    try:
        while True:
            progress.append(next(gen))
    except StopIteration as stop:
        small_blocks = stop.value
    assert arr.reads == 4  # 12 rows in blocks of 3: each row read exactly once for 3 elements
    assert progress[0] == (0, 12) and progress[-1] == (12, 12)
    whole = element_maps(cube_from_array(data, CANONICAL_CAL), ["Fe", "Pb", "Ca"])
    for k in whole:
        np.testing.assert_allclose(small_blocks[k], whole[k], rtol=1e-5, atol=1e-3)
    assert 200 < whole["Fe"].mean() < 400  # Poisson noise around the 300-count line


def test_other_calibration_gives_the_same_areas():
    cal = Calibration(-0.95, 0.01, source="file")  # 10 eV channels, like a Bruker M6
    spec = line_spectrum(
        [(6.3995, 1000.0), (3.6905, 400.0)], cal=cal, n=2048, background=(2.0, 0.0)
    )
    maps = element_maps(cube_of([[spec]], cal=cal), ["Fe", "Ca"])
    assert maps["Fe"][0, 0] == pytest.approx(1000.0, rel=0.01)
    assert maps["Ca"][0, 0] == pytest.approx(400.0, rel=0.01)


def test_fwhm_from_metadata_is_used():
    spec = line_spectrum([(6.3995, 1000.0)], fwhm_mn_ev=180.0, background=(30.0, 0.0))
    wide = cube_of([[spec]], profile={"fwhm_mn_ev": 180.0})
    assert element_maps(wide, ["Fe"])["Fe"][0, 0] == pytest.approx(1000.0, rel=0.01)
    # the wrong (default 140 eV) width loses part of the peak to the background windows
    assert element_maps(cube_of([[spec]]), ["Fe"])["Fe"][0, 0] < 980


def test_composite_scales_each_channel():
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    rgb = composite_rgb([a, 2 * a, np.zeros_like(a)], percentile=100)
    assert rgb.shape == (4, 4, 3) and rgb.max() == pytest.approx(1.0)
    np.testing.assert_allclose(rgb[..., 0], rgb[..., 1])
    assert not rgb[..., 2].any()
    with pytest.raises(ValueError):
        composite_rgb([a, a])


def test_barium_on_a_40_kev_cube_is_mapped_from_l_alpha_beside_titanium():
    # The Bruker M6 grid: 4096 channels of 10 eV, up to 40 keV (Ba K-alpha at 32 keV is inside).
    # Before: Ba alone was mapped from K-alpha, and Ba beside Ti failed with "min() arg is an
    # empty sequence" (the Ti/Ba fit applied to Ba K-alpha).
    cal = Calibration(-0.9555, 0.009999, 0.0, "file")
    assert cal.edges(4096)[-1] > 39
    bg = np.full(4096, 5.0)
    ti = template_spectrum("Ti", 1000.0, cal=cal, n=4096)
    ba = template_spectrum("Ba", 1000.0, cal=cal, n=4096, family="La")
    cube = cube_from_array(np.stack([ti + bg, ba + bg, ti + ba + bg])[None].astype(np.float32), cal)
    for syms, present in ((["Ba"], None), (["Ti", "Ba"], None), (["Ba"], ["Ti"])):
        plans, _ = plan_for_cube(cube, syms, present=present)
        ba_plan = next(p for p in plans if p.symbol == "Ba")
        assert ba_plan.line.family == "La", (syms, present)
        assert "Ba L\u03b1 used" in ba_plan.note  # and why not K-alpha
    plans, _ = plan_for_cube(cube, ["Ti", "Ba"])
    assert plans[1].method == "fit" and "Ba L\u03b1 fitted together with Ti" in plans[1].note
    assert "Ti K\u03b1" in plans[1].note
    maps = element_maps(cube, ["Ti", "Ba"], clip=False)
    np.testing.assert_allclose(maps["Ba"][0], [0.0, 1000.0, 1000.0], atol=10)
    np.testing.assert_allclose(maps["Ti"][0], [1000.0, 0.0, 1000.0], atol=10)
    # An explicit K-alpha request is honoured: a plain window, no Ti fit.
    (kplan,), _ = plan_for_cube(cube, ["Ba"], present=["Ti"], lines={"Ba": "Ka"})
    assert kplan.line.family == "Ka" and kplan.method == "window"


def test_calcium_potassium_and_the_l_lines_of_cd_sn_sb_are_fitted_apart():
    """On a cube ending at 20 keV, Sn, Sb and Cd are mapped from their L lines, which share
    3.1-4.0 keV with K and Ca K lines (chalk and gypsum grounds). By windows, pure Sn read 571 of
    1000 as Ca and pure Ca 191 as Sb (a Naples yellow where there is chalk)."""
    cal = Calibration(0.0, 0.02)  # 0-20.5 keV in 1024 channels
    els = ["K", "Ca", "Cd", "Sn", "Sb"]
    bg = line_spectrum([], cal=cal, n=1024, background=(10.0, 0.0))
    pure = [
        template_spectrum(e, 1000.0, cal=cal, n=1024, family="Ka" if e in ("K", "Ca") else "La")
        + bg
        for e in els
    ]
    cube = cube_of([pure], cal=cal)
    plans, _ = plan_for_cube(cube, els)
    assert all(p.method == "fit" for p in plans), [(p.symbol, p.method) for p in plans]
    maps = element_maps(cube, els, clip=False)
    for i, e in enumerate(els):
        np.testing.assert_allclose(maps[e][0], 1000.0 * (np.arange(5) == i), atol=10, err_msg=e)
    # mapped alone, Ca still fits the present Sn (as S fits Pb and Hg)
    two = element_maps(cube, ["Ca"], present=["Sn"], clip=False)["Ca"][0]
    assert abs(two[3]) < 10 and two[1] == pytest.approx(1000.0, rel=0.01)
