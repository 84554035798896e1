"""The napari reader contract, without Qt: napari_get_reader(path) -> None or a function."""

import numpy as np
import pytest

from xrf_napari._reader import napari_get_reader
from xrf_napari.io import CubeReadError


def test_cube_layers_lazy_and_metadata(tmp_path):
    import dask.array as da

    arr = np.random.default_rng(0).integers(0, 50, size=(9, 7, 40)).astype(np.uint16)
    path = tmp_path / "panel.npy"
    np.save(path, arr)
    (tmp_path / "panel.json").write_text('{"offset": 0.0, "gain": 0.05}')
    reader = napari_get_reader(str(path))
    assert callable(reader)
    layers = reader(str(path))
    (stack, meta, kind), (total, smeta, skind) = layers
    assert kind == skind == "image"
    assert isinstance(stack, da.Array) and stack.shape == (40, 9, 7)  # channel axis first: a slider
    np.testing.assert_array_equal(stack[12].compute(), arr[..., 12])
    assert meta["name"] == "panel" and smeta["name"] == "panel sum"
    md = meta["metadata"]
    assert md["xrf_cube"].shape == (9, 7, 40) and md["calibration"]["gain"] == 0.05
    assert md["energy"].shape == (40,) and md["path"] == str(path)
    np.testing.assert_allclose(total, arr.sum(axis=2))


def test_unclaimed_paths_return_none(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    np.save(tmp_path / "img.npy", np.zeros((4, 4)))
    import h5py

    with h5py.File(tmp_path / "nocube.h5", "w") as f:
        f["x"] = np.zeros((5, 5))
    for name in ("notes.txt", "img.npy", "missing.rpl"):
        assert napari_get_reader(str(tmp_path / name)) is None
    assert napari_get_reader(str(tmp_path / "nocube.h5")) is not None  # ours by suffix: clear error
    assert napari_get_reader([str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]) is None


def test_reader_error_is_raised_from_the_function(tmp_path):
    rpl = tmp_path / "cut.rpl"
    rpl.write_text(
        "width 2\nheight 2\ndepth 4\ndata-length 1\ndata-type unsigned\nbyte-order dont-care\n"
        "record-by vector\n"
    )
    (tmp_path / "cut.raw").write_bytes(b"\0" * 10)
    reader = napari_get_reader(str(rpl))
    assert callable(reader)  # claimed by suffix; the problem surfaces when reading
    with pytest.raises(CubeReadError, match="cut.raw.*truncated"):
        reader(str(rpl))


def test_every_real_cube_or_spectrum_opens(real_data):
    try:
        import rsciio  # noqa: F401

        has_bcf = True
    except ImportError:
        has_bcf = False
    expected = {
        "bruker_m6_jetstream_file_example.spx": (4096, 1, 1),
        "aps_xrfmaps_2xfm_0011.h5": (2048, 11, 9),
        "pymca_XRFSpectrum.mca": (4096, 1, 1),
    }
    for name, shape in expected.items():
        layers = napari_get_reader(str(real_data / name))(str(real_data / name))
        assert layers[0][0].shape == shape, name
    with pytest.warns(UserWarning, match="trailing"):
        layers = napari_get_reader(str(real_data / "spacekeys_variant.rpl"))(
            str(real_data / "spacekeys_variant.rpl")
        )
    assert layers[0][0].shape == (6, 3, 3)
    if has_bcf:
        bcf = real_data / "16x16_12bit_packed_8bit.bcf"
        assert napari_get_reader(str(bcf))(str(bcf))[0][0].shape[1:] == (16, 16)


def test_cube_layer_axes_read_in_kev_and_stack_is_hidden(tmp_path):
    """napari conventions (issue 17 item 6): named axes, energy in keV in world coordinates, the
    cube hidden under its sum image as docs/user_guide.md says; channels when uncalibrated."""
    from napari.layers import Image

    arr = np.random.default_rng(0).integers(0, 50, size=(9, 7, 40)).astype(np.uint16)
    np.save(tmp_path / "panel.npy", arr)
    (tmp_path / "panel.json").write_text('{"offset": -0.2, "gain": 0.05}')
    (stack, meta, _), (total, smeta, _) = napari_get_reader(str(tmp_path / "panel.npy"))(
        str(tmp_path / "panel.npy")
    )
    layer = Image(stack, **meta)
    assert layer.axis_labels == ("energy", "y", "x") and str(layer.units[0]) == "kiloelectron_volt"
    assert not layer.visible and Image(total, **smeta).visible
    energy = meta["metadata"]["energy"]
    for ch in (0, 12, 39):
        world = layer.data_to_world((ch, 3, 4))
        assert world[0] == pytest.approx(energy[ch]) and tuple(world[1:]) == (3, 4)
    np.save(tmp_path / "raw.npy", arr)  # no calibration file, auto-calibration off for npy
    (stack, meta, _), _ = napari_get_reader(str(tmp_path / "raw.npy"))(str(tmp_path / "raw.npy"))
    assert meta["metadata"]["calibration"]["source"] == "none"
    assert Image(stack, **meta).axis_labels == ("channel", "y", "x")
    assert tuple(Image(stack, **meta).scale) == (1, 1, 1)
