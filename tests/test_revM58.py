"""Elemental maps, session 58 review: a map whose line the tube cannot excite says so."""

import numpy as np
import pytest
from _synth_spectra import painted_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


@pytest.fixture(scope="module")
def vermilion_12kv():
    """(cube, sum spectrum) of vermilion and zinc white over chalk under a 12 kV Rh tube (the
    forward model): Hg's L3 edge (12.28 keV) out of reach, its M lines excited."""
    from xrf_napari.physics.instrument import InstrumentProfile

    prof = InstrumentProfile(
        anode="Rh", kv=12.0, fwhm_mn_ev=140.0, n_channels=1024, offset=0.0, gain=0.02,
        atmosphere="air", optic="collimator",
    )  # fmt: skip
    _, spec = painted_spectrum(prof, [("zinc white", 0.5), ("vermilion", 0.5)], counts=1e6)
    cal = Calibration(0.0, 0.02, source="file")
    meta = {"fwhm_mn_ev": 140.0, "anode": "Rh", "kv": 12.0}
    return cube_from_array(spec[None, None].astype(np.float32), cal, profile=meta), spec


def test_map_of_a_line_the_tube_cannot_excite_says_so(vermilion_12kv):
    """Asked for Hg, a scan whose beam stays below Hg's L3 edge gave an Hg L-alpha map (62,829
    counts of scattered 10 keV beam on the APS scan) without a word. Where the tube's kV is known
    (the file's, or given) the note says the line cannot be excited; Hg stays counted present
    where its M lines are (S K-alpha fitted beside Hg M-alpha as before), Se (K edge 12.66 keV)
    mapped by K-alpha under 12 kV said so too (counted present by its L lines). Hg L-alpha
    chosen: Auto maps Hg by M-alpha there (maps62)."""
    cube, spec = vermilion_12kv
    syms = ["Hg", "Zn", "S", "Se"]
    plans, w = M.plan_for_cube(cube, syms, present=syms, spectrum=spec, lines={"Hg": "La"})
    by = {p.symbol: p for p in plans}
    assert [p.symbol for p in plans] == syms and w.shape == (1024, 4)
    assert by["Hg"].note.startswith(
        "Hg L\u03b1 cannot be excited here: the tube's 12 kV (the file's) stays below Hg's L3 "
        "edge (12.28 keV), so this map reads no Hg L\u03b1, only other counts in its window; "
        "Zn lines taken out by the Zn map"
    )
    assert "cannot be excited" not in by["Zn"].note + by["S"].note
    assert by["S"].method == "fit" and "fitted together with Hg" in by["S"].note
    # Se's K edge (12.66 keV) above 12 kV / 1.1: mapped by its L-alpha, which the tube excites
    # (maps59: its K-alpha map read no Se, only the note said so)
    assert by["Se"].label == "Se L\u03b1" and "cannot be excited" not in by["Se"].note
    assert by["Se"].note.startswith("Se L\u03b1 used: Se K lines need 12.7 keV to excite")
    # the other maps as planned without the unexcitable one
    alone, w2 = M.plan_for_cube(cube, ["Zn", "S"], present=["Hg", "Zn", "S"], spectrum=spec)
    assert [p.note for p in alone] == [by["Zn"].note, by["S"].note]
    np.testing.assert_array_equal(w[:, 1:3], w2)
    # a kV given over the file's; none known: nothing said
    plans, _ = M.plan_for_cube(cube, ["Hg"], present=syms, spectrum=spec, kv=13.0)
    assert "cannot be excited" not in plans[0].note
    plans, _ = M.plan_for_cube(
        cube, ["Zn"], present=syms, spectrum=spec, kv=9.0, lines={"Zn": "Ka"}
    )
    assert "the tube's 9 kV (given) stays below Zn's K edge (9.66 keV)" in plans[0].note
    bare = cube_from_array(cube.data, cube.calibration, profile={"fwhm_mn_ev": 140.0})
    plans, _ = M.plan_for_cube(bare, ["Hg"], present=syms, spectrum=spec)
    assert "cannot be excited" not in plans[0].note


def test_quicklook_and_dock_pass_their_kv_to_the_maps(vermilion_12kv):
    """quicklook --kv reaches the maps as the dock's Instrument kV does (_maps_job): one path."""
    from xrf_napari.cli.quicklook_cmd import choose_maps
    from xrf_napari.progress import run_to_end
    from xrf_napari.widgets.maps import _maps_job

    cube, spec = vermilion_12kv
    bare = cube_from_array(cube.data, cube.calibration, profile={"fwhm_mn_ev": 140.0})
    *_, plans, maps = choose_maps(bare, elements=["Hg", "Zn"], anode="Rh", kv=11.0)
    # Hg L lines unexcited under 11 kV: Auto maps Hg by M-alpha (maps62), saying why
    assert "Hg L lines need 12.28 keV (L3 edge) to excite, above the tube's 11 kV" in plans[0].note
    assert "cannot be excited" not in plans[1].note
    job = _maps_job(bare, ["Hg", "Zn"], None, True, ["Hg", "Zn", "S"], None, "Rh", spec, 11.0)
    docked, dmaps, _ = run_to_end(job)
    assert [p.note for p in docked] == [p.note for p in plans]
    np.testing.assert_allclose(dmaps["Hg"], maps["Hg"], rtol=1e-5)


@pytest.mark.parametrize("present, gain", [(("Sr", "Ca"), 0.14), (("Pb", "S"), 0.12)])
def test_strip_neighbour_not_counted_present_fitted_only_where_channels_carry_it(present, gain):
    """9e2cd64b fits Si beside P, counted present or not. On 140 eV channels beside chalk's Sr
    that fit's row grew x 45 (P +23 % on a clean spectrum holding no Si), and on 120 eV channels
    beside Pb and S it could not be made: P fell back to its window, its note saying the channels
    were too coarse to fit it apart from Pb and S, which its parent did. Si is fitted only where
    it costs little (STRIP_FIT_NOISE); here P is fitted as before, and says nothing of Si."""
    from _spectra import template_spectrum

    cal = Calibration(0.0, gain)
    kw = {"cal": cal, "n": int(20 / gain), "fwhm_mn_ev": 140.0}
    y = sum(template_spectrum(s, 1e5, **kw) for s in ("P", *present)) + 10.0
    cube = cube_from_array(
        y[None, None].astype(np.float32), cal, profile={"fwhm_mn_ev": 140.0, "anode": "Rh"}
    )
    plans, w = M.plan_for_cube(cube, ["P"], present=present, spectrum=y)
    assert plans[0].method == "fit" and "Si" not in plans[0].note
    assert float(y @ w[:, 0]) == pytest.approx(1e5, rel=0.01)
