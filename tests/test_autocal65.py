"""Session 65, helper autocal65: a scan whose calibration assuming the default Rh tube is refused
as ambiguous, calibrated from the other K-line tubes' fits where they agree."""

import numpy as np
import pytest

pytest.importorskip("xraylib")


def _made(anode, kv, incidence, takeoff, counts, recipes, seed):
    """A generated 24 x 24 scan of `recipes` under that tube and geometry (also used by the
    later calibration tests, test_revK65 and test_cutcal66)."""
    from test_pigment_fit import _cube

    from xrf_napari.physics.instrument import InstrumentProfile

    profile = InstrumentProfile(
        anode=anode,
        kv=kv,
        fwhm_mn_ev=150.0,
        counts_per_pixel=counts,
        incidence_deg=incidence,
        takeoff_deg=takeoff,
    )
    return _cube(recipes, size=24, seed=seed, profile=profile)[0]


def _scan(tmp_path, anode, kv, incidence, takeoff, counts, recipes, seed):
    """A generated 24 x 24 scan saved as a bare .npy (no calibration, no tube), and its axis."""
    made = _made(anode, kv, incidence, takeoff, counts, recipes, seed)
    path = tmp_path / f"{anode}_{seed}.npy"
    np.save(path, np.asarray(made.data))
    return path, made.calibration


def _read(path, cal):
    from xrf_napari.detector import known_anode, tube_source
    from xrf_napari.io import read_cube

    cube = read_cube(path)
    got = cube.calibration
    ch = np.arange(cube.n_channels)
    err = np.abs(got.energy_at(ch) - cal.energy_at(ch)).max() if got.source != "none" else None
    return err, tube_source(cube.metadata), known_anode(cube.metadata)


#: revT65's paint sets (/work/runs65/revT65/gen.py): three regions of a 24 x 24 scan
CADMIUM = [
    (["Cadmium yellow", "Lead white"], [0.5, 0.5]),
    (["Lead-tin yellow I"], [1.0]),
    (["Naples yellow", "Chalk"], [0.6, 0.4]),
]
LEAD = [
    (["Lead white", "Vermilion"], [0.7, 0.3]),
    (["Chrome yellow"], [1.0]),
    (["Red lead", "Cerulean blue"], [0.5, 0.5]),
]


@pytest.mark.parametrize(
    ("anode", "kv", "incidence", "takeoff", "counts", "recipes", "seed"),
    [
        ("Ag", 58.0, 75.0, 75.0, 3000.0, LEAD, 12),
        ("Mo", 45.0, 75.0, 75.0, 1000.0, CADMIUM, 11),
    ],
)
def test_a_mo_or_ag_tubes_scan_refused_assuming_rh_is_calibrated(
    tmp_path, anode, kv, incidence, takeoff, counts, recipes, seed
):
    """Generated Ag (lead paints, 58 kV) and Mo (cadmium yellow and lead white..., 1000
    counts/pixel) tubes' scans: assuming Rh, a calibration 5-7 keV off (Pb M-alpha as the zero
    peak, Pb L lines as Fe, Cu K) matched as many peaks, so they opened on channel numbers ("two
    calibrations ... about equally"; 10 of 74 such generated scans now calibrated 7-20 eV from
    the truth, none wrongly: /work/runs65/autocal65/readlist.py). Fails on the parent: no
    calibration."""
    from xrf_napari.detector import ANODE_FROM_SCATTER

    path, cal = _scan(tmp_path, anode, kv, incidence, takeoff, counts, recipes, seed)
    err, source, known = _read(path, cal)
    assert err is not None and err < 0.03
    assert (source, known) == (ANODE_FROM_SCATTER, anode)


def test_a_w_tubes_scan_one_fit_of_which_shows_mo_stays_refused(tmp_path):
    """A guard: a generated W tube's scan (cadmium yellow and lead white, 30 kV, 45/25 deg)
    refused assuming Rh, fitted assuming Mo 13.7 keV off and showing Mo there, assuming Ag
    refused: no calibration, rather than a wrong one."""
    path, cal = _scan(tmp_path, "W", 30.0, 45.0, 25.0, 1500.0, CADMIUM, 12)
    assert _read(path, cal)[0] is None
