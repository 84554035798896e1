"""Review 32: suspicions of an earlier review of the element suggestions and auto-calibration."""

import numpy as np
import pytest
from test_peaks30 import paint

# --- 1: the tube voltage, not only the axis end, says which K lines are excited ----------------


@pytest.mark.parametrize(
    ("pigment", "element"), [("Lead-tin yellow I", "Sn"), ("Naples yellow", "Sb")]
)
def test_a_k_edge_above_the_known_tube_voltage_lets_the_l_lines_decide(pigment, element):
    """A 28 kV Rh tube on a 0-41 keV axis (Bruker writes the voltage as `kV`) cannot excite tin's
    or antimony's K lines (edges 29.2, 30.5 keV): no K-alpha peak dropped the element, though its
    L lines were clear, as the axis end was taken for the tube voltage."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    e, y, profile = paint(
        [(pigment, 1.0)], seed=0, anode="Rh", kv=28.0, n_channels=2048, gain=0.02, offset=0.0
    )
    counts = np.stack([y / 4] * 4).reshape(2, 2, -1).round().astype(np.uint32)
    meta = {"kV": 28.0, "profile": {"anode": "Rh", "fwhm_mn_ev": profile.fwhm_mn_ev}}
    got = suggest_for_cube(cube_from_array(counts, Calibration(0.0, 0.02), **meta))
    assert element in got and "Pb" in got, list(got)
    assert got.warning == "", got.warning
    # unknown voltage: the axis end still decides (K lines looked for), as before
    unknown = suggest_for_cube(
        cube_from_array(counts, Calibration(0.0, 0.02), profile=meta["profile"])
    )
    assert element not in unknown, list(unknown)


# --- 2: a close rival must match about as many peaks as the winner ----------------------------


@pytest.mark.parametrize(
    ("pigment", "n_channels", "offset", "gain"),
    [("Zinc white", 2048, -0.5, 0.02), ("Titanium white", 1024, -0.96, 0.04)],
)
def test_a_right_calibration_is_not_refused_for_a_rival_of_fewer_peaks(
    pigment, n_channels, offset, gain
):
    """Zinc (titanium) white on chalk, no axis given: the right calibration matched 9 (10) peaks;
    a rival 25 % lower in gain matched 5 (7), but on Fe K-alpha and Pb L-alpha, which weigh more,
    and put as much peak weight close to lines: "two calibrations put the peaks about equally
    close to lines", and the scan stayed in channels."""
    from xrf_napari.analysis.autocal import calibrate_spectra

    _, y, _ = paint([(pigment, 1.0)], seed=1, n_channels=n_channels, offset=offset, gain=gain)
    cal = calibrate_spectra([y], anode="Rh").calibration
    e = np.array([2.0, 6.4, 10.5, 17.0])
    ch = (e - offset) / gain
    assert np.abs(cal.offset + cal.gain * ch - e).max() <= gain, (cal.offset, cal.gain)


# --- 3: the calibration warning's offsets are from the lines the peaks were matched by ---------


@pytest.mark.parametrize("seed", [0, 1])
def test_a_shift_that_brings_k_alpha_near_k_beta_is_still_warned(seed):
    """Synthetic ultramarine alone, its axis 48 eV high: Al and Si K-alpha peaks then sit nearer
    their own K-beta (71 and 96 eV above), and taken from each peak's nearest line of its element
    the offsets' median came out -0.19 FWHM (below the lines, not above): no warning."""
    from test_peaks30 import suggest

    e, y, profile = paint([("Synthetic ultramarine", 1.0)], ground=None, seed=seed)
    assert suggest(e, y, profile).warning == ""
    assert "above their X-ray lines" in suggest(e + 0.048, y, profile).warning
