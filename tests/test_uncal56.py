"""Session 56, uncal56: `xrf-napari recolour` and `embed` refuse a scan left without an energy
calibration before any model is loaded, in the docks' words (energy.uncalibrated_refusal), as
`pigments` does; they wrote colours and regions of channel numbers read as keV (Fe K-alpha at
6.4 keV read from channel 6.4) with only a warning, "no energy calibration: channel numbers were
read as energies"."""

import numpy as np
import pytest

from xrf_napari.cli.main import main


@pytest.fixture
def noise(tmp_path):
    """An .npy scan of noise: no calibration, and no peaks for the automatic one."""
    path = tmp_path / "noise.npy"
    np.save(path, np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16))
    return path


@pytest.fixture
def no_models(monkeypatch):
    """Loading any model fails the test: the refusal comes before."""
    from xrf_napari.analysis import embed, recolour

    def never(*_a, **_k):
        raise AssertionError("loaded a model for an uncalibrated scan")

    monkeypatch.setattr(recolour, "load_recolouriser", never)
    monkeypatch.setattr(embed, "load_embedder", never)


def _run(command, scan, out, *extra):
    return main([command, str(scan), "-o", str(out), "--device", "cpu", "--no-progress", *extra])


@pytest.mark.parametrize("command", ["recolour", "embed"])
@pytest.mark.parametrize("auto", [True, False])
def test_recolour_and_embed_refuse_an_uncalibrated_scan_before_the_models(
    command, auto, noise, tmp_path, no_models, capsys
):
    out = tmp_path / ("o.png" if command == "recolour" else "o")
    extra = () if auto else ("--no-auto-calibration",)
    assert _run(command, noise, out, *extra) == 2  # as a single spectrum's refusal
    err = capsys.readouterr().err
    said = f"{command}: error: {noise}: no energy calibration, so its lines cannot be read by "
    assert said + "the models: give the file one (a JSON sidecar" in err, err
    assert "channel numbers were read as energies" not in err and "read_cube" not in err
    # the way on that works from the command line, for how the scan was read
    if auto:
        assert "--anode" in err and "--no-auto-calibration" not in err, err
    else:
        assert "leave out --no-auto-calibration" in err and "--anode" not in err, err
    assert not out.exists()


def test_pigments_refuses_in_the_same_words(noise, tmp_path, capsys):
    """One piece of code: pigments' refusal had words of its own, which told a scan read with
    --no-auto-calibration to name the tube with --anode (which then calibrates nothing)."""
    assert _run("pigments", noise, tmp_path / "r", "--no-auto-calibration") == 2
    err = capsys.readouterr().err
    assert f"{noise}: no energy calibration, so its lines cannot be fitted: give" in err, err
    assert "leave out --no-auto-calibration" in err and "--anode" not in err, err
