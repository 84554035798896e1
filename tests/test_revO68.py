"""Session 68, review of outpan68's commits (saved outputs' names, the panels' keyboard use)."""

from __future__ import annotations

import os

import pytest
from test_writer47 import _cube_layer


@pytest.mark.parametrize("typed", [".x.h5", ".x"])
def test_napari_save_layers_refuses_a_hidden_name_as_every_other_save(tmp_path, typed):
    """napari's File > Save Selected Layers with ".x.h5" (or ".x", to which the writer adds
    .h5) wrote the hidden .x.h5, a name the docks' save dialogs, `recolour -o` and `embed -o`
    refuse (fileutil.hidden_name); several cube layers made ".x_<layer>.h5" each. Fails on the
    parent: written."""
    from xrf_napari._writer import CubeSaveError, write_cube_layer, write_cube_layers

    hidden = "a name starting with a dot makes a hidden file"
    with pytest.raises(CubeSaveError, match=rf"layer 'scan' not saved: '{typed}': {hidden}"):
        write_cube_layer(str(tmp_path / typed), *_cube_layer())
    data, meta = _cube_layer()
    layers = [(data, meta, "image"), (data, {**meta, "name": "scan2"}, "image")]
    with pytest.raises(CubeSaveError, match=rf"2 layers not saved: '{typed}': {hidden}"):
        write_cube_layers(str(tmp_path / typed), layers)
    assert not os.listdir(tmp_path)
