"""Element suggestions beside the tube's scattered L lines (analysis.peaks, session 47).

Cubes drawn from the forward model (physics.spectrum.SpectrumModel: the tube, xraylib's cross
sections, the detector), Poisson counts, read as a file whose metadata name the instrument.
"""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.analysis.peaks import suggest_for_cube
from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.physics.layers import ground_layer, paint_layer
from xrf_napari.physics.pigments import get_pigment
from xrf_napari.physics.spectrum import SpectrumModel

MO30 = {"anode": "Mo", "kv": 30.0, "fwhm_mn_ev": 140.0, "n_channels": 2048, "gain": 0.015}
MO45 = {"anode": "Mo", "kv": 45.0, "fwhm_mn_ev": 175.0, "n_channels": 1024, "gain": 0.04}


def _suggest(pigment: str, counts: float, profile: dict, seed: int = 0):
    """Suggestions for a 16 x 16 cube of one pigment over chalk, `counts` a pixel."""
    prof = InstrumentProfile(offset=-0.05, atmosphere="air", **profile)
    native = (
        SpectrumModel(prof)
        .spectrum([paint_layer([(get_pigment(pigment), 1.0)]), ground_layer("chalk")])
        .native
    )
    lam = native / native.sum() * counts
    rng = np.random.default_rng(seed)
    data = rng.poisson(np.broadcast_to(lam, (16, 16, lam.size))).astype(np.uint16)
    cal = Calibration(prof.offset, prof.gain, source="file")
    return suggest_for_cube(Cube(data, cal, metadata={"profile": {**prof.__dict__}}))


@pytest.mark.parametrize("pigment", ["Azurite", "Zinc white"])
def test_mo_tube_l_lines_are_no_sulphur(pigment):
    """A Mo tube's scattered L-alpha and L-beta1 blend into one peak on S K-alpha (2.31 keV):
    a sulphur-free paint got S, a false sulphide or sulphate pigment."""
    found = _suggest(pigment, 10000, MO30)
    assert "S" not in found, (list(found), found.warning)
    assert "Ca" in found  # the chalk ground, as before


@pytest.mark.parametrize("pigment", ["Cadmium yellow", "Synthetic ultramarine", "Lithopone"])
def test_true_sulphur_beside_mo_tube_stays(pigment):
    """A guard: the sulphur of a sulphide or ultramarine stands far above the tube's L lines."""
    found = _suggest(pigment, 1000, MO30)
    assert "S" in found, (list(found), found.warning)
    assert "tube's L lines" not in found.warning


def test_sulphur_the_fit_cannot_tell_from_the_tube_is_flagged():
    """On coarse channels (40 eV) and 175 eV the fit cannot split the peak: sulphur stays, and
    the warning says it may be only the tube's lines."""
    found = _suggest("Azurite", 1000, MO45)
    assert "S" not in found or "S K-alpha (2.31 keV) lies on the Mo tube's L lines" in (
        found.warning
    ), (list(found), found.warning)
