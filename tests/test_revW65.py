"""Session 65, reviewer revW65: a weights folder naming no folder, in the panels."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _napari_helpers import caught_notifications  # noqa: E402


def test_the_panels_say_a_weights_folder_that_is_no_folder(
    make_napari_viewer, tmp_path, monkeypatch
):
    """XRF_NAPARI_WEIGHTS=/nonexistent: the Recolour and Embed & cluster panels ran on the shipped
    pair without a word: the commands' warning (382e87e1), raised in the panels' job, went to
    superqt's `warned` signal, which nothing reads. Now a notification says it as the panel opens,
    once per model; a typo in File > Preferences alike."""
    from xrf_napari.widgets import _common
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    mistyped = tmp_path / "mistyped"
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(mistyped))
    with caught_notifications() as seen:
        RecolourWidget(viewer)
        EmbedClusterWidget(viewer)  # its dve.safetensors already said (a new tmp_path each run)
    assert sorted(str(n.message) for n in seen) == [
        f"$XRF_NAPARI_WEIGHTS names {mistyped}, which is no folder: the shipped {f} is used"
        for f in ("dve.safetensors", "uvit.safetensors")
    ]
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(tmp_path))  # a folder without the files: silent
    with caught_notifications() as seen:
        assert _common.default_weights("dve") == ""
    assert seen == []
    monkeypatch.delenv("XRF_NAPARI_WEIGHTS")
    monkeypatch.setattr(_common, "plugin_setting", lambda key, default="": str(mistyped))
    with caught_notifications() as seen:
        assert _common.default_weights("dve") == ""
    assert [str(n.message) for n in seen] == [
        f"The weights folder of File > Preferences > XRF recolouring names {mistyped}, which is "
        "no folder: the shipped dve.safetensors is used"
    ]


def test_the_baselines_bar_counts_whole_steps(tmp_path, monkeypatch, capsys):
    """The per-pixel MLP baseline's bar (dd0b41d3) read "2.00/1.50k [..., 44.4kstep/s]" at its
    1500 default steps (progress.tqdm_callback scales totals of 1000 or more, for pixels), where the
    SmallUViT's bar above it counts "1/1": now "2/1500"."""
    import types

    import numpy as np

    from xrf_napari.models import weights
    from xrf_napari.training import train_pixel_mlp, train_recolouriser

    def two_steps(*_a, progress=None, **_k):
        progress(1, 1500)
        progress(2, 1500)
        return types.SimpleNamespace(config={}, state_dict=dict), 0.1

    monkeypatch.setattr(train_pixel_mlp, "train_pixel_mlp", two_steps)
    monkeypatch.setattr(weights, "save_weights", lambda *a, **k: None)
    monkeypatch.setattr(train_recolouriser, "hwc_to_chw", lambda a: a)  # no torch import (4 s)
    run = types.SimpleNamespace(
        cfg={"baseline_steps": 1500, "seed": 0, "target": "rgb"},
        latents=[np.zeros((4, 4, 3), np.float32)],
        targets=[np.zeros((4, 4, 3), np.uint8)],
        train_idx=[0],
        val_idx=[],
        device="cpu",
        mean=None,
        std=None,
        show=True,
        public={"sources": [], "files_sha1": ""},
        out=tmp_path,
    )
    train_recolouriser._fit_baseline(run)
    err = capsys.readouterr().err
    assert "2/1500" in err and "1.50k" not in err, err
