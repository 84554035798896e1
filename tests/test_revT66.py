"""Session 66, revT66: review of tube66's tube guess (a paint's Mo lines are no tube's)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest.importorskip("xraylib")

#: A made-up lead chromate molybdate paint (60 % PbMoO4), added to the package's table.
MOLYBDATE = (
    'Molybdate heavy,pigment,0.4*PbCrO4 + 0.6*PbMoO4,6.5,"Pb,Cr,Mo",#ff4000,55.0,55.0,65.0,'
    "1930,2025,made up for a test,lead chromate molybdate"
)


def _molybdate_sum(tmp_path, anode):
    """The true-axis canonical sum of a generated scan under `anode` (50 kV, 140 eV, 80 deg
    scatter) of three regions holding the molybdate paint."""
    from importlib import resources

    from test_pigment_fit import _cube

    from xrf_napari.energy import to_canonical_matrix
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.pigments import use_table

    table = tmp_path / "pigments.csv"
    text = resources.files("xrf_napari").joinpath("data/pigments.csv").read_text(encoding="utf-8")
    table.write_text(text.rstrip("\n") + "\n" + MOLYBDATE + "\n", encoding="utf-8")
    recipes = [(["Molybdate heavy"], [1.0]), (["Molybdate heavy", "Lead white"], [0.6, 0.4])]
    prof = InstrumentProfile(
        anode=anode, kv=50.0, fwhm_mn_ev=140.0, counts_per_pixel=3000.0,
        incidence_deg=50.0, takeoff_deg=30.0,
    )  # fmt: skip
    with use_table(str(table)):
        made, _ = _cube(recipes, size=24, seed=62, profile=prof)
    data = np.asarray(made.data, dtype=np.float64)
    total = data.reshape(-1, made.n_channels).sum(axis=0)
    return (total @ to_canonical_matrix(made.calibration, total.size))[None]


def test_a_paints_mo_k_beta_in_rhs_compton_band_is_not_read_as_a_rh_tube(tmp_path):
    """A W tube's scan of a molybdate paint (80 deg scatter): Mo K-beta (19.6 keV) lies inside
    Rh's Compton band (18.4-19.7 keV) and Mo K-beta2 (19.96 keV) lifts Rh K-alpha's window, so
    the scan was read as a Rh tube (9 of 108 fresh W and Cu tubes' scans with molybdates at
    80-120 deg, 6 of 12 Ag, Cr and W tubes' at 65 deg). The band must hold counts beyond the
    paint's K-beta lines inside it (band_beyond_spill). Fails on the parent: "Rh"."""
    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_molybdate_sum(tmp_path, "W")) is None


def test_a_rh_tube_over_a_molybdate_paint_is_still_read_as_rh(tmp_path):
    """A guard: a Rh tube's scan of the same paint and geometry is still read as Rh: its
    Compton band holds more than the paint's Mo K-beta."""
    from xrf_napari.analysis.tube_guess import guess_anode

    assert guess_anode(_molybdate_sum(tmp_path, "Rh")) == "Rh"
