"""Review of session 42's --help and quicklook commits (review42b): tiny synthetic cubes, no model
loaded or trained."""

import argparse
from pathlib import Path

import numpy as np
import pytest

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration, off_grid_refusal
from xrf_napari.io import read_cube
from xrf_napari.io.project_h5 import write_cube
from xrf_napari.training import train_recolouriser


def _low_axis_scan(tmp_path, peaks):
    """A 6 x 6 scan on a 0-0.97 keV axis (gain 3.8 eV per channel, 256 channels): wholly below the
    models' 1-26.6 keV, so embed, recolour and pigments refuse it; `peaks` (keV, height) stand
    out of a flat background."""
    energy = 0.0038 * (np.arange(256) + 0.5)
    mean = np.full(256, 5.0)
    for e, h in peaks:
        mean += h * np.exp(-0.5 * ((energy - e) / 0.025) ** 2)
    counts = np.random.default_rng(0).poisson(mean, (6, 6, 256)).astype(np.uint16)
    return write_cube(tmp_path / "low.h5", counts, Calibration(0.0, 0.0038))


def test_quicklook_maps_a_line_on_an_axis_the_models_refuse_and_says_to_check_the_calibration(
    tmp_path, capsys
):
    """User guide section 2: on a scan whose axis lies wholly outside 1-26.6 keV, embed, recolour
    and pigments refuse it and "quicklook writes the spectrum and says the axis lies outside what
    they read: check the calibration". 5fd3c00 said so only where no line stood out: on a
    0-0.97 keV axis with a peak at 0.93 keV, quicklook mapped Cu L-alpha and said nothing of the
    axis, while `xrf-napari embed` then refused the scan. It now warns, naming the axis."""
    scan = _low_axis_scan(tmp_path, [(0.93, 200), (0.95, 60)])
    with pytest.warns(UserWarning) as warned:  # printed "xrf-napari quicklook: warning: ..."
        assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "low_Cu_La.png" in captured.out, captured.out  # the line is still mapped
    assert "warning:" not in captured.err, captured.err  # not a bare line of its own
    err = " ".join(str(w.message) for w in warned)
    assert "low.h5" in err, err
    assert "wholly outside the 1-26.6 keV" in err and "embed, recolour and pigments" in err, err
    assert "check the calibration" in err, err
    # the commands it warns of do refuse the scan (their check, without loading torch here)
    assert off_grid_refusal(read_cube(scan), "the models")


def test_quicklook_on_an_axis_inside_the_models_grid_gives_no_calibration_warning(tmp_path, capsys):
    """Guard: the warning follows the models' refusal (energy.off_grid_refusal) exactly; an axis
    reaching 1 keV (partly inside 1-26.6 keV, which embed accepts) gets none."""
    energy = 0.004 * (np.arange(256) + 0.5)  # 0-1.02 keV
    mean = 5.0 + 200 * np.exp(-0.5 * ((energy - 0.93) / 0.025) ** 2)
    counts = np.random.default_rng(0).poisson(mean, (6, 6, 256)).astype(np.uint16)
    scan = write_cube(tmp_path / "edge.h5", counts, Calibration(0.0, 0.004))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "edge_Cu_La.png" in captured.out, captured.out
    assert "check the calibration" not in captured.err, captured.err


def test_an_msssim_weight_on_crops_too_small_for_its_scales_is_refused_before_any_work(
    tmp_path, capsys
):
    """b5f93a5's --help: --msssim-weight is the "weight of a (1 - MS-SSIM) term added to the
    colour loss", but the training loop adds it only on crops over 96 px (5 scales with its 7 px
    window): `--msssim-weight 0.5 --crop 64` trained on the colour loss alone without a word. Such
    a run is now refused in one line naming the crop it needs, and --help says so."""
    from xrf_napari.cli.train import main as train_main

    argv = ["recolouriser", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    argv += ["--device", "cpu", "--msssim-weight", "0.5"]
    assert train_main(argv + ["--crop", "64"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--msssim-weight 0.5 needs crops over 96 px" in err and "--crop 112" in err, err
    assert train_main(argv + ["--crop", "112"]) == 2  # accepted: fails on the missing --data
    err = " ".join(capsys.readouterr().err.split())
    assert "needs crops" not in err and "absent does not exist" in err, err
    parser = argparse.ArgumentParser()
    train_recolouriser.configure(parser)
    assert "on crops over 96 px" in parser._option_string_actions["--msssim-weight"].help


def test_a_weights_folder_given_with_a_tilde_is_the_same_folder_for_the_cli_as_for_the_panels(
    tmp_path, monkeypatch
):
    """586a246's --help and user guide (section 6): $XRF_NAPARI_WEIGHTS's dve.safetensors and
    uvit.safetensors replace the shipped ones on the command line too, as in the panels. The
    panels expand a leading "~" in that folder (a value set without a shell's expansion: quoted,
    or in a conda or systemd environment); the commands' loader did not, so with
    XRF_NAPARI_WEIGHTS="~/w" napari used ~/w's weights and `xrf-napari recolour` the shipped
    ones, without a word. Both now take ~/w's file."""
    from xrf_napari.models.weights import resolve_weights
    from xrf_napari.widgets._common import default_weights

    folder = tmp_path / "w"
    folder.mkdir()
    for name in ("dve", "uvit"):
        (folder / f"{name}.safetensors").write_bytes(b"")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))  # expanduser's home on Windows
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", "~/w")
    for name in ("dve", "uvit"):
        path, sha = resolve_weights(name)
        assert path == folder / f"{name}.safetensors" and sha is None, path
        assert Path(default_weights(name)) == path  # the panels' choice, the same file
