"""Session 36, core36: leftovers of session 35's notes (image reading, evaluate, pickles, help
text, cluster_spectra.csv)."""

from __future__ import annotations

import pytest


def _png_with_a_huge_idat(path, shape, mode: str) -> None:
    """A PNG of `shape` whose IDAT length field's top byte is 0xFF (about 4 GB declared in a file
    of a few hundred bytes): the mutation that ran Pillow out of memory in session 35's fuzz. The
    length is outside the chunk's CRC, so nothing else in the file is wrong."""
    import io

    import numpy as np
    from PIL import Image

    n = shape[0] * shape[1]
    img = (np.arange(n * (3 if mode == "RGB" else 1)) % 4 + 1).astype(np.uint8)
    img = img.reshape(shape + ((3,) if mode == "RGB" else ()))
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    png = bytearray(buf.getvalue())
    png[png.index(b"IDAT") - 4] = 0xFF
    path.write_bytes(bytes(png))


@pytest.mark.parametrize("what", ["labels", "photo"])
def test_a_png_declaring_a_chunk_past_its_end_is_refused_before_decoding(tmp_path, what):
    """Pillow reads a PNG chunk's declared length in one call: a 4 GB IDAT length in a small label
    map ended in an unhandled MemoryError (or, where memory allowed, 4 GB allocated and the damaged
    file read as sound). The chunk walk refuses it by name, allocating nothing of that size."""
    import tracemalloc

    from xrf_napari.analysis.colour_prior import read_photo
    from xrf_napari.cli.pigments_cmd import read_labels

    shape = (32, 48)
    path = tmp_path / f"{what}.png"
    _png_with_a_huge_idat(path, shape, "L" if what == "labels" else "RGB")
    reader = read_labels if what == "labels" else read_photo
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as err:
            reader(path, shape)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    said = str(err.value)
    assert str(path) in said and "'IDAT'" in said and "past the end" in said, said
    assert "truncated or corrupt" in said, said
    assert peak < 2**26, f"{peak / 2**20:.0f} MiB allocated reading a {path.stat().st_size} B file"
