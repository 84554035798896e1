"""analysis.export.write_image: the dtypes and shapes its docstring promises, in PNG and TIFF."""

import struct
import zlib

import numpy as np
import pytest

from xrf_napari.analysis.export import write_image


def _png_pixels(path) -> tuple[dict, np.ndarray]:
    """IHDR fields and the raw samples of an unfiltered, non-interlaced 16-bit RGB PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, -1)
    assert (raw[:, 0] == 0).all()  # filter type None on every row
    pixels = raw[:, 1:].copy().view(">u2").reshape(h, w, 3)
    return {"depth": depth, "colour": colour}, pixels


def test_uint16_rgb_png_keeps_all_16_bits(tmp_path):
    # Before: Pillow raised "TypeError: Cannot handle this data type: (1, 1, 3), <u2".
    rgb = np.random.default_rng(0).integers(0, 65536, (5, 7, 3)).astype(np.uint16)
    path = write_image(tmp_path / "x.png", rgb)
    header, pixels = _png_pixels(path)
    assert header == {"depth": 16, "colour": 2}
    np.testing.assert_array_equal(pixels, rgb)
    from PIL import Image

    with Image.open(path) as im:  # a valid PNG for other readers (Pillow reduces it to 8 bit)
        assert im.size == (7, 5) and im.mode == "RGB"
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]  # no temporary left


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(4, 6), (4, 6, 3)])
def test_grey_and_rgb_round_trip_in_png_and_tiff(tmp_path, dtype, shape):
    import tifffile
    from PIL import Image

    top = np.iinfo(dtype).max
    data = np.random.default_rng(1).integers(0, top + 1, shape).astype(dtype)
    tif = write_image(tmp_path / "a.tif", data)
    np.testing.assert_array_equal(tifffile.imread(tif), data)
    png = write_image(tmp_path / "a.png", data)
    if dtype == np.uint16 and len(shape) == 3:
        np.testing.assert_array_equal(_png_pixels(png)[1], data)
    else:
        with Image.open(png) as im:
            np.testing.assert_array_equal(np.asarray(im), data)


def test_other_arrays_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match=r"must be uint8 or uint16.*float32 \(4, 4, 3\)"):
        write_image(tmp_path / "f.png", np.zeros((4, 4, 3), np.float32), "the image")
    with pytest.raises(ValueError, match=r"grey \(H, W\) or RGB \(H, W, 3\)"):
        write_image(tmp_path / "a.png", np.zeros((4, 4, 4), np.uint8))
    assert not list(tmp_path.iterdir())
