"""A Cr tube's scattered Cr K lines are no evidence of chromium: a thin lead paint over a light
ground scatters them by its own Rayleigh, which the shared scatter columns could not make, and
the misfit was read as chrome yellow or viridian (table panel Cr seed 3's red lead swatch)."""

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.energy import canonical_energy
from xrf_napari.physics.instrument import InstrumentProfile

# the generator's profile of scripts/table_panels.py's Cr panel, seed 3
# (random_profile(np.random.default_rng([3, ord("C"), ord("r")]), "all"), anode Cr, 30 kV)
CR_PANEL_3 = InstrumentProfile(
    anode="Cr",
    kv=30.0,
    tube_be_um=100.0,
    incidence_deg=87.8,
    takeoff_deg=56.1,
    path_cm=1.38,
    det_be_um=8.0,
    si_um=500.0,
    fwhm_mn_ev=159.6,
    n_channels=2048,
    offset=-0.5388,
    gain=0.014882327917198216,
    pileup=0.00186,
    optic="collimator",
    optic_cutoff_kev=14.6,
)


def _swatch(pigment: str, lib, thickness_um: float = 8.0) -> np.ndarray:
    """The expected spectrum of that panel's swatch: a pure layer (pvc 0.29) over its 293 um chalk
    ground on a wooden panel, scaled to the red lead swatch's 22,549 counts."""
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import get_pigment

    stack = [
        paint_layer([(get_pigment(pigment), 1.0)], thickness_um, 0.29),
        ground_layer("chalk", 293.0),
        support_layer(),
    ]
    m = lib.model
    y = m.canonical(m.detect(m.fine(stack)))
    return y / y.sum() * 22549


@pytest.mark.parametrize("pigment", ["Red lead", "Lead white"])
def test_a_thin_lead_swatch_under_a_cr_tube_is_not_chrome_yellow(pigment):
    """Red lead (8 um, as the panel's 5.5-10.9 um swatch) over chalk under a Cr tube: the parent
    read it, and lead white so laid, as chrome yellow (the panel's swatch so too). Each pigment's
    own scatter through a thin layer now carries the tube's lines in the share that paint's
    Rayleigh scatter gives them."""
    lib = pf.component_library(CR_PANEL_3)
    best = pf.rank_region(lib, _swatch(pigment, lib), [0, 1], canonical_energy())[0][0]
    assert best.pigments == [pigment], best.label


def test_a_thin_chrome_yellow_swatch_under_a_cr_tube_is_chrome_yellow():
    """Chrome yellow so laid keeps its chromium (its fluorescence has no scatter column to hide
    in), and is no longer lead white + 60 % viridian (its X-ray twin, the parent's top-1)."""
    lib = pf.component_library(CR_PANEL_3)
    best = pf.rank_region(lib, _swatch("Chrome yellow", lib), [0, 1], canonical_energy())[0][0]
    assert best.pigments == ["Chrome yellow"], best.label


def test_only_a_tube_of_a_pigment_s_element_gets_the_thin_layer_s_scatter():
    """Under a Cr tube each pigment has two own-scatter columns (thick, thin); under a Mo tube,
    whose lines no pigment holds, its one as before."""
    cr = pf.component_library(CR_PANEL_3)
    mo = pf.component_library(replace(CR_PANEL_3, anode="Mo", kv=40.0))
    assert cr.thin_scatter.shape == cr.own_scatter.shape == (len(cr.pigments), 512)
    assert mo.thin_scatter is None
    assert len(cr.own_scatter_of([0, 1])) == 4 and len(mo.own_scatter_of([0, 1])) == 2
