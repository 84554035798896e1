"""Session 63, helper tube63: one story of a scan's X-ray tube (detector.tube_source) told by info,
quicklook and the Pigments dock, and one energy range (energy.energy_range_text) in every
message."""

from pathlib import Path

import numpy as np
import pytest

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _real(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"no real files at {REAL}")
    return path


def _canonical_sum(cube) -> np.ndarray:
    """The scan's sum spectrum on the canonical axis, (1, 512): the spectra scan_anode reads
    (cube.to_canonical() takes 1.5 s CPU on the APS scan)."""
    from xrf_napari.energy import to_canonical_matrix

    total = np.asarray(cube.data, np.float64).reshape(-1, cube.n_channels).sum(0)
    return np.asarray(total @ to_canonical_matrix(cube.calibration, cube.n_channels)).reshape(1, -1)


def test_the_aps_scan_tells_one_tube_story():
    """The APS 2-ID-E scan (a synchrotron: no tube named, no tube's scatter lines): `info` said
    "tube assumed: Rh (... Rh by default)", quicklook "tube unknown (the file names none;
    --anode)" and the Pigments dock "Rh taken from the automatic energy calibration ... (the
    spectra show no tube's scatter lines)". Fails on the parent: quicklook and Pigments did not
    say the default."""
    from xrf_napari.analysis.tube_guess import scan_anode
    from xrf_napari.cli.info_cmd import calibration_tube
    from xrf_napari.cli.quicklook_cmd import instrument_said
    from xrf_napari.io import read_cube

    cube = read_cube(_real("aps_xrfmaps_2xfm_0011.h5"))
    default = "the file names none: Rh by default"
    assert calibration_tube(cube)["origin"].startswith(default)
    assert instrument_said(cube).startswith(f"tube unknown ({default}; --anode)")
    anode, how = scan_anode(cube, _canonical_sum(cube))
    assert anode == "Rh" and default in how, how
    assert "show no tube's scatter lines" in how, how


def test_a_rh_tubes_scatter_lines_are_told_as_read_from_them(tmp_path):
    """A Rh tube's scan with no calibration and no tube named (user63's m6like.rpl, here a
    generated one): its Rh scatter lines show under the default's calibration, yet `info` said
    "Rh by default", not "read from the scan's scattered tube lines" as the user guide promises
    (io._with_auto_seen recorded the scatter only for another tube than the default). Fails on
    the parent: "the file names none: Rh by default"."""
    from test_pigment_fit import RECIPES, _cube

    from xrf_napari.analysis.tube_guess import scan_anode
    from xrf_napari.cli.quicklook_cmd import instrument_said
    from xrf_napari.detector import calibration_anode_origin
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    prof = InstrumentProfile(anode="Rh", kv=45.0, fwhm_mn_ev=150.0, counts_per_pixel=3000.0)
    made, _ = _cube(RECIPES[:3], size=24, seed=1, profile=prof)
    path = tmp_path / "rh.npy"
    np.save(path, np.asarray(made.data))
    cube = read_cube(path)
    assert cube.calibration.source == "auto"
    seen = "the file names none: read from the scan's scattered tube lines"
    assert calibration_anode_origin(cube.metadata) == seen
    from xrf_napari.detector import ANODE_FROM_SCATTER, tube_source

    assert tube_source(cube.metadata) == ANODE_FROM_SCATTER
    assert instrument_said(cube).startswith(f"Rh tube ({seen})")
    assert scan_anode(cube, _canonical_sum(cube))[0] == "Rh"


def test_a_tube_read_off_the_scatter_is_the_pigments_tube_too():
    """A scan whose calibration read its tube off the scatter lines: the Pigments dock took the
    anode of its own look at sampled spectra, and where that saw none it said "taken from the
    automatic energy calibration ... (the spectra show no tube's scatter lines)" beside info's
    "read from the scan's scattered tube lines". Fails on the parent: that note."""
    from xrf_napari.analysis.tube_guess import scan_anode
    from xrf_napari.cube import cube_from_array
    from xrf_napari.detector import ANODE_FROM_SCATTER
    from xrf_napari.energy import Calibration

    auto = {"residual_ev_rms": 5.0, "matched": [], "anode": "Mo", "anode_from": ANODE_FROM_SCATTER}
    cal = Calibration(1.0, 0.05, source="auto")
    cube = cube_from_array(np.ones((4, 4, 512), np.float32), cal, auto_calibration=auto)
    assert scan_anode(cube, np.ones((16, 512))) == (
        "Mo",
        "estimated from the spectra (scatter lines)",
    )


def test_the_axis_refusal_gives_the_range_info_gives():
    """spacekeys_variant.rpl: the docks' refusal said the axis "runs from -0.961 to -0.901 keV"
    (the channels' outer edges), `info` "-0.956 .. -0.906 keV" (their centres). Fails on the
    parent: the edges."""
    from xrf_napari.energy import energy_range_text, no_lines_refusal
    from xrf_napari.io import read_cube

    with pytest.warns(UserWarning):  # its .raw holds trailing bytes (the README)
        cube = read_cube(_real("spacekeys_variant.rpl"))
    said = energy_range_text(cube.energy)
    assert said == f"{cube.energy[0]:.3f} to {cube.energy[-1]:.3f} keV"
    assert f"its energy axis runs from {said} (calibration" in no_lines_refusal(cube)


def test_info_and_the_refusal_give_one_range(tmp_path, capsys):
    """`info` and the axis refusal give a scan's range in the same words (energy_range_text).
    Fails on the parent: "-0.958 to -0.894" (edges) beside "-0.956 .. -0.896"."""
    from xrf_napari.cli.main import main
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration, energy_range_text, no_lines_refusal

    counts = np.ones((2, 2, 16), dtype=np.float32)
    path = tmp_path / "neg.npy"
    np.save(path, counts)
    (tmp_path / "neg.json").write_text('{"offset": -0.956, "gain": 0.004}')
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    cube = cube_from_array(counts, Calibration(offset=-0.956, gain=0.004))
    said = energy_range_text(cube.energy)
    assert said == "-0.956 to -0.896 keV"
    assert f"(source: file); {said}" in out, out
    assert f"runs from {said} (" in no_lines_refusal(cube)
