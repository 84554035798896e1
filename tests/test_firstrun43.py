"""A first run of Embed & cluster dropped as its scan closes says what happened to its layers."""

import pytest
from _napari_helpers import (
    close_scan_when_layer_arrives,
    open_cube,
    tiny_embed_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize(
    "step, words",
    [
        ("latent RGB", "the latent RGB layer this run had added was removed"),
        ("clusters", "the latent RGB and clusters layers this run had added were removed"),
    ],
)
def test_a_first_run_dropped_as_its_scan_closes_says_its_layers_were_removed(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, step, words
):
    """A first run (no latent RGB or clusters layer before it) dropped as its scan closed said
    its layers "were put back as they were before this run", though there were none and the
    new ones were removed. Now it says they were removed, and none is left."""
    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = tiny_embed_dock(viewer, tmp_path, k=2)
    cube = embed.current_cube()
    close_scan_when_layer_arrives(monkeypatch, embed_mod, viewer, cube, step)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.status.text() == (
        f"The scan a.h5 was closed; its result was dropped and {words}."
    )
    assert not [ly.name for ly in viewer.layers if "latent RGB" in ly.name or "clusters" in ly.name]
