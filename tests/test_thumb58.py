"""Elemental maps' layers in napari's layer list (session 58, thumb58)."""

import numpy as np


def test_maps_added_hidden_show_their_thumbnails(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Make maps adds the maps past the first three hidden (958ae894); napari slices only
    visible layers, so their thumbnails stayed black in the layer list until each was shown
    (the painting's 16 hidden maps: thumbnail RGB mean 0.00, 2-67 once shown). Every map's
    thumbnail shows its map, in its own colormap."""
    from _napari_helpers import stand_in_maps_dock

    from xrf_napari.widgets.maps import VISIBLE_MAPS

    def ramps(h, w, symbols):
        return {s: np.tile(np.linspace(0.0, 10.0, w), (h, 1)) for s in symbols}

    symbols = ["Pb", "Fe", "Ca", "Zn", "Cu"]
    viewer = make_napari_viewer()
    dock = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, ramps, symbols)
    layers = list(dock.map_layers.values())
    assert [ly.visible for ly in layers] == [i < VISIBLE_MAPS for i in range(len(symbols))]
    for layer in layers:
        rgb = np.asarray(layer.thumbnail)[..., :3].astype(float)
        assert rgb.mean() > 20, (layer.name, layer.visible, rgb.mean())
        assert rgb.max() > 200, (layer.name, rgb.max())  # the ramp's top at the contrast's top
