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
