"""Element suggestions, session 31: a 40 eV calibration offset, cobalt violet's phosphorus, the Rh
tube's scatter on the 512-channel grid. Spectra from the forward model (tests/test_peaks30.py)."""

import pytest
from test_peaks30 import paint, suggest

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
