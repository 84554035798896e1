"""The npe2 manifest validates with every contribution importable, and its settings are readable."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _npe2_command():
    exe = Path(sys.executable).with_name("npe2")
    if exe.is_file():
        return [str(exe)]
    if shutil.which("npe2"):
        return ["npe2"]
    return [sys.executable, "-m", "npe2"]


def test_manifest_validates_with_imports():
    proc = subprocess.run(
        _npe2_command() + ["validate", "xrf-napari", "--imports"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid" in proc.stdout


def test_manifest_contributions_and_settings():
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution("xrf-napari")
    titles = {w.display_name for w in manifest.contributions.widgets}
    assert titles == {"Spectrum", "Elemental maps", "Embed & cluster", "Recolour", "Pigments"}
    assert {s.key for s in manifest.contributions.sample_data} == {"panel", "painting"}
    props = manifest.contributions.configurations["models"].properties
    assert props["device"].default == "auto" and set(props["device"].enum) == {
        "auto",
        "cuda",
        "mps",
        "cpu",
    }
    assert props["weights_folder"].default == ""


def test_environment_overrides_settings(monkeypatch, tmp_path):
    from xrf_napari.widgets._common import default_weights, plugin_setting

    monkeypatch.setenv("XRF_NAPARI_DEVICE", "cpu")
    assert plugin_setting("device") == "cpu"
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(tmp_path))
    assert default_weights("dve") == ""  # the folder has no dve.safetensors
    (tmp_path / "dve.safetensors").write_bytes(b"x")
    assert default_weights("dve") == str(tmp_path / "dve.safetensors")
    monkeypatch.delenv("XRF_NAPARI_DEVICE")
    assert plugin_setting("device", "auto") in ("auto", "cuda", "mps", "cpu")


def test_sample_data_layers(tmp_path, monkeypatch):
    """Each sample gives the reader's cube layers plus the true colours (a generated cube stands in
    for the shipped file so the test stays fast)."""
    import numpy as np
    from _napari_helpers import H, W, write_painted_cube

    import xrf_napari._sample_data as samples

    monkeypatch.setattr(samples, "SAMPLE_DIR", tmp_path)
    write_painted_cube(tmp_path / "panel.h5")
    layers = samples.sample_panel()
    kinds = [kind for _, _, kind in layers]
    assert kinds == ["image", "image", "image"]
    stack, sum_image, rgb = layers
    assert stack[1]["metadata"]["xrf_cube"].shape == (H, W, 512)
    assert rgb[1]["rgb"] and rgb[0].shape == (H, W, 3) and rgb[0].dtype == np.uint8
    with pytest.raises(ValueError, match="unknown sample"):
        samples.sample_layers("nope")
