"""Session 68, reviewer R: the readers' area (user68's findings 2-4)."""

import warnings

import numpy as np
import pytest

from xrf_napari.io import read_cube


def _read_quietly(path):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    return cube, [str(w.message) for w in said if "channel" in str(w.message)]


def test_a_cube_napari_saved_as_a_tiff_reopens_without_a_channel_order_warning(tmp_path):
    """napari's Save Selected Layers of a cube layer (C, H, W) as .tif writes one page per
    channel (napari.utils.io.imsave); both ends powers of two, the HDF5 rule's channel-last last
    resort had warned "read as 4 x 64 pixels of 128 channels, though its shape suggests 128 x 4
    pixels of 64 channels", of a read that is right."""
    from napari.utils.io import imsave

    cube = np.random.default_rng(0).poisson(3, (4, 64, 128)).astype(np.uint16)  # (H, W, C)
    path = tmp_path / "L0.tif"
    imsave(str(path), np.moveaxis(cube, -1, 0))  # the layer's (C, H, W)
    read, said = _read_quietly(path)
    assert read.shape == cube.shape and said == []
    assert np.array_equal(np.asarray(read.data), cube)


def test_a_tiff_of_rows_that_a_power_of_two_names_the_channels_still_warns(tmp_path):
    """A guard: tifffile.imwrite of an (H, W, C) cube of 1024-like channels (pages = 96 rows of
    4 x 256) stays read as stored, with the warning naming the sidecar key."""
    import tifffile

    path = tmp_path / "rows.tif"
    tifffile.imwrite(path, np.ones((96, 4, 256), np.uint16))
    read, said = _read_quietly(path)
    assert read.shape == (4, 256, 96)
    assert len(said) == 1 and '"channel_axis": "last"' in said[0], said


def test_a_cube_layer_converted_to_labels_shows_no_scan():
    """napari's Layers > Convert to Labels keeps the layer's metadata: a sum image so converted
    still carried the Cube, and the docks listed the scan through it (user68's finding 4)."""
    from types import SimpleNamespace

    from napari.components import LayerList
    from napari.layers import Image
    from napari.layers._layer_actions import _convert

    from xrf_napari.layerkinds import CUBE_KEY, layer_cube
    from xrf_napari.widgets._layers import cube_layers

    scan = object()
    sum_image = Image(np.arange(12, dtype=np.int32).reshape(3, 4), metadata={CUBE_KEY: scan})
    layers = LayerList([sum_image])
    assert layer_cube(sum_image) is scan
    layers.selection = {sum_image}
    _convert(layers, "labels")
    (converted,) = layers
    assert type(converted).__name__ == "Labels" and converted.metadata[CUBE_KEY] is scan
    assert layer_cube(converted) is None
    assert cube_layers(SimpleNamespace(layers=layers)) == []


def test_one_labels_layer_saved_as_h5_is_refused_naming_tif(make_napari_viewer, tmp_path):
    """Save Selected Layers of one Labels layer (regions) with a .h5 name: napari said "No data
    written! A plugin could not be found to write these 1 layers" and wrote nothing (user68's
    finding 3); xrf-napari's .h5 writer now refuses it, naming a .tif name, nothing written."""
    import napari
    from napari.layers import Labels

    from xrf_napari._writer import CubeSaveError

    make_napari_viewer()  # registers the plugin's writers
    regions = Labels(np.arange(12, dtype=np.int32).reshape(3, 4), name="clusters")
    with pytest.raises(CubeSaveError, match=r"layer 'clusters' is not an XRF datacube.*\.tif"):
        napari.save_layers(str(tmp_path / "L17.h5"), [regions])
    assert list(tmp_path.iterdir()) == []
