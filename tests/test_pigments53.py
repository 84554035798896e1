"""A tube's own lines, scattered by the painting, are no evidence for a pigment of the anode's
element: under a Cr tube a swatch without chromium is not given viridian, while a real viridian
swatch is still named."""

import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.energy import canonical_energy
from xrf_napari.physics.instrument import InstrumentProfile

# the Cr panel of seed 2 of scripts/table_panels.py (its geometry, resolution and optic)
CR_TUBE = InstrumentProfile(
    anode="Cr",
    kv=30.0,
    incidence_deg=79.3,
    takeoff_deg=56.9,
    path_cm=1.64,
    det_be_um=8.0,
    fwhm_mn_ev=175.3,
    optic="polycapillary",
    optic_cutoff_kev=22.9,
)


def _top(pigment: str, thickness_um: float, ground_um: float, counts: float) -> list[str]:
    """The first candidate for the expected (noise-free) spectrum of a pure layer of `pigment`
    over a gypsum ground on a wooden panel, as the generator makes a swatch, `counts` in all."""
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import get_pigment

    lib = pf.component_library(CR_TUBE)
    stack = [
        paint_layer([(get_pigment(pigment), 1.0)], thickness_um, 0.35),
        ground_layer("gypsum", ground_um),
        support_layer(),
    ]
    m = lib.model
    y = m.canonical(m.detect(m.fine(stack)))
    candidates, _ = pf.rank_region(lib, y / y.sum() * counts, [0, 1], canonical_energy())
    return candidates[0].pigments


def test_a_cr_tube_s_scattered_lines_are_not_read_as_viridian():
    """Red ochre (Fe) over a thin ground, under a Cr tube: the scatter columns tie the tube's
    Cr K lines to the continuum in three fixed stacks' proportions, and the Cr K-alpha they
    missed was given to viridian (1-10 % viridian in 7 swatches of the Cr panels). The anode's
    lines now have a scatter column of their own (Rayleigh with its Compton peak), and the
    support one seen through a thin ground."""
    assert _top("Red ochre", 30.0, 114.0, 3e5) == ["Red ochre"]


def test_a_viridian_swatch_under_a_cr_tube_is_still_viridian():
    """A guard: viridian's own Cr K lines have no Compton peak below them, so the tube lines'
    scatter column does not take them: a thin viridian swatch is still named viridian."""
    assert _top("Viridian", 10.0, 250.0, 1e5) == ["Viridian"]
