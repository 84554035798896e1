"""Session 64: elemental maps under a tube other than Rh (analysis.maps)."""

import numpy as np

from xrf_napari.analysis import maps as M


def test_escape_template_takes_the_scans_anode():
    """Escape peaks follow the line shares of the scan's tube, as the line templates do: under a
    15 kV W tube Hg's L-beta escapes took a Rh tube's shares (4 % apart at their peak)."""
    edges = np.arange(2049) * 0.01
    w = M.escape_template("Hg", edges, 140.0, "Lb", "L", 15.0, "W")
    rh = M.escape_template("Hg", edges, 140.0, "Lb", "L", 15.0, "Rh")
    assert np.abs(w - rh).max() > 0.01 * w.max()
    # no anode named: Rh's, as the line templates take it (_under_tube)
    assert np.array_equal(M.escape_template("Hg", edges, 140.0, "Lb", "L", 15.0), rh)


def _scan(anode: str, kv: float, layers):
    """A cube of one row of noise-free forward-model spectra (each layer over chalk, 1e6 counts)
    whose profile names the tube, and its spectra."""
    from xrf_napari.cube import cube_from_array
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer
    from xrf_napari.physics.spectrum import SpectrumModel

    model = SpectrumModel(InstrumentProfile(fwhm_mn_ev=150.0, kv=kv, anode=anode))
    x = np.array([model.detect(model.fine([la, ground_layer("chalk")])) for la in layers])
    x *= 1e6 / x.sum(1, keepdims=True)
    profile = {"fwhm_mn_ev": 150.0, "anode": anode}
    return cube_from_array(
        x[None].astype(np.float32), model.profile.calibration, profile=profile
    ), x


def test_anode_lines_take_the_scattered_tubes_shares():
    """A scan's anode lines are the tube's, scattered: under a 45 kV Mo tube the maps shaped Mo L
    as fluorescence of a thick Mo layer (L-beta1 / L-alpha 0.46, the tube's 0.63), and S K-alpha,
    14 eV from Mo L-alpha, took the misfit (lead white with no sulfur read S -79 % of vermilion's
    counts, -52 % so)."""
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.spectrum import excitation
    from xrf_napari.physics.xsec import fine_energy

    e = fine_energy()
    tube = excitation(InstrumentProfile(anode="Mo", kv=45.0), continuum=False)
    want = tube[(e > 2.37) & (e < 2.42)].sum() / tube[(e > 2.27) & (e < 2.32)].sum()
    got = {t: cs for _, cs, _, t in M._transitions("Mo", 2.0, 2.5, 45.0, "Mo")}
    assert abs(got["L2M4"] / (got["L3M4"] + got["L3M5"]) / want - 1) < 0.02


def test_cl_fitted_between_lead_m_lines_and_rh_l():
    """Cl K-alpha's window sat on Pb M-beta and M-gamma and the Rh tube's L-alpha: lead white with
    no chlorine read Cl -101 % of an atacamite layer's counts (Rh, 20 kV); fitted, under 1 %."""
    from xrf_napari.physics.layers import Layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment

    ata = Layer("atacamite", (("Cu", 0.595), ("Cl", 0.166), ("O", 0.225), ("H", 0.014)), 2.0, 20)
    cube, x = _scan("Rh", 20.0, [ata, paint_layer([(get_pigment("Lead white"), 1.0)], 20.0)])
    plans, w = M.plan_for_cube(
        cube, ["Cl"], present={"Cl", "Pb", "Cu", "Ca"}, spectrum=x.sum(0), kv=20.0
    )
    cl = x @ w[:, 0].astype(np.float64)
    assert plans[0].method == "fit"
    assert abs(cl[1]) < 0.01 * cl[0]


def test_s_under_a_mo_tube_says_the_tube_line_lies_on_it():
    """S K-alpha lies 14 eV from a Mo tube's scattered L-alpha: its map says so, and that it can
    read one as the other; under a Rh tube it does not."""
    from xrf_napari.cube import cube_from_array
    from xrf_napari.physics.instrument import InstrumentProfile

    p = InstrumentProfile(anode="Mo", kv=45.0)
    x = np.ones((1, 1, p.n_channels), np.float32)
    for anode in ("Mo", "Rh"):
        cube = cube_from_array(x, p.calibration, profile={"fwhm_mn_ev": 150.0, "anode": anode})
        plans, _ = M.plan_for_cube(cube, ["S"], present={"S", "Pb", "Hg"}, kv=45.0)
        said = "14 eV from the Mo tube's scattered Mo L\u03b1" in plans[0].note
        assert said == (anode == "Mo"), plans[0].note
