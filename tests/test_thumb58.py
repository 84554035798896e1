"""Elemental maps' layers in napari's layer list (session 58, thumb58)."""

import warnings

import numpy as np
import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_maps_added_hidden_show_their_thumbnails(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Make maps adds the maps past the first three hidden (958ae894); napari slices only
    visible layers, so their thumbnails stayed black in the layer list until each was shown
    (the painting's 16 hidden maps: thumbnail RGB mean 0.00, 2-67 once shown). Every map's
    thumbnail shows its map as napari draws it once shown, with no private napari attribute
    used (napari 0.9 warns a plugin's use of Image._update_thumbnail goes away)."""
    from _napari_helpers import stand_in_maps_dock

    from xrf_napari.widgets.maps import VISIBLE_MAPS

    def ramps(h, w, symbols):
        return {s: np.tile(np.linspace(0.0, 10.0, w), (h, 1)) for s in symbols}

    symbols = ["Pb", "Fe", "Ca", "Zn", "Cu"]
    viewer = make_napari_viewer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FutureWarning)
        dock = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, ramps, symbols)
    assert not [w for w in caught if "Private attribute" in str(w.message)], caught
    layers = list(dock.map_layers.values())
    assert (
        sorted(ly.visible for ly in layers)
        == [False] * (len(symbols) - VISIBLE_MAPS) + [True] * VISIBLE_MAPS
    )
    hidden = {}
    for layer in layers:
        rgb = np.asarray(layer.thumbnail)[..., :3].astype(float)
        assert rgb.mean() > 20, (layer.name, layer.visible, rgb.mean())
        assert rgb.max() > 200, (layer.name, rgb.max())  # the ramp's top at the contrast's top
        if not layer.visible:
            hidden[layer.name] = np.asarray(layer.thumbnail).astype(int)
    for layer in layers:
        if layer.name in hidden:
            layer.visible = True  # napari draws its own thumbnail now
            diff = np.abs(np.asarray(layer.thumbnail).astype(int) - hidden[layer.name])
            assert diff.mean() < 1, (layer.name, diff.mean())  # a pick half-way may differ
