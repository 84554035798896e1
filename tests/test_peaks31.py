"""Element suggestions, session 31: a 40 eV calibration offset, cobalt violet's phosphorus, the Rh
tube's scatter on the 512-channel grid. Spectra from the forward model (tests/test_peaks30.py)."""

import pytest
from test_peaks30 import SAMPLE_SCANNER, paint, suggest

# --- 1: a 40 eV offset adds false elements and was not said -----------------------------------


@pytest.mark.parametrize("shift", [-0.04, 0.04], ids=["40 eV low", "40 eV high"])
@pytest.mark.parametrize(
    "pigments",
    [
        [("Lead white", 0.8), ("Vermilion", 0.2)],
        [("Chrome yellow", 1.0)],
        [("Emerald green", 0.5), ("Lead white", 0.5)],
    ],
    ids=["lead white + vermilion", "chrome yellow", "emerald green + lead white"],
)
def test_a_40_ev_offset_gives_a_warning(pigments, shift):
    """40 eV low gave lead white with vermilion As, Cl and Zr (chrome yellow Cl and Zr), silently:
    those elements' lines sit nearer the shifted peaks, so the median offset of the matched lines
    stayed under 0.1 FWHM. The true axis still gives no warning."""
    e, y, profile = paint(pigments, seed=1)
    assert suggest(e, y, profile).warning == ""
    wrong = suggest(e + shift, y, profile)
    assert "calibration looks off" in wrong.warning, (list(wrong), wrong.warning)


# --- 2: cobalt violet's phosphorus beside calcium's escape peak -------------------------------


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("grid", [{}, SAMPLE_SCANNER], ids=["4096 channels", "sample scanner"])
def test_phosphorus_beside_calcium_escape_is_found(grid, seed):
    """10 % cobalt violet (Co3(PO4)2) in chalk: P K-alpha (2.01 keV) and Ca K-alpha's escape peak
    (3.69 - 1.74 = 1.95 keV) make one peak within 3 times the escape's expected height, so it was
    dropped as an escape and P was never suggested. Its apex sits off the escape's place."""
    e, y, profile = paint([("Cobalt violet", 0.1), ("Chalk", 0.9)], seed=seed, total=1e6, **grid)
    got = suggest(e, y, profile)
    assert {"Co", "P", "Ca"} <= set(got), got


@pytest.mark.parametrize("grid", [{}, SAMPLE_SCANNER], ids=["4096 channels", "sample scanner"])
def test_a_calcium_escape_alone_is_still_no_element(grid):
    """Chalk alone: its escape peaks (1.95 and 2.27 keV) are neither P nor S, in 8 noisy spectra
    (the escape's apex sits where its parent's puts it)."""
    for seed in range(8):
        e, y, profile = paint([("Chalk", 1.0)], seed=seed, total=1e6, **grid)
        got = suggest(e, y, profile)
        assert "Ca" in got and not {"P", "S"} & set(got), (seed, got)


# --- 3: the Rh tube's scattered L-gamma lines are no potassium --------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rhodium_l_gamma_scatter_is_not_potassium(seed):
    """Lead white on the sample scanner (512 channels of 50 eV): the tube's scattered Rh L1-N2,3
    lines (3.36 keV) make a peak that K K-alpha (3.31) matched within 0.5 FWHM, nearer than Rh's
    L-gamma family mean (3.30): potassium, in a paint and ground without any."""
    e, y, profile = paint([("Lead white", 1.0)], seed=seed, total=1e7, **SAMPLE_SCANNER)
    got = suggest(e, y, profile)
    assert "Pb" in got and "K" not in got, got


@pytest.mark.parametrize("pigment", ["Green earth", "Prussian blue"])
def test_potassium_beside_rhodium_scatter_is_still_found(pigment):
    """A paint with potassium (green earth's mica, Prussian blue's 2 % K2O) in lead white on the
    same grid: its K K-alpha sits nearer its own line than the tube's and stays potassium."""
    e, y, profile = paint(
        [(pigment, 0.5), ("Lead white", 0.5)], seed=2, total=1e7, **SAMPLE_SCANNER
    )
    got = suggest(e, y, profile)
    assert {"K", "Fe", "Pb"} <= set(got), got
