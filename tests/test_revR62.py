"""Review of session 62's readers commits: napari's claim of a cut TIFF (22981731) must not take
sound TIFFs that napari's own reader reads."""

import struct

import numpy as np
import pytest
import tifffile

from xrf_napari import _reader, tiff_pages
from xrf_napari.errors import CubeReadError


def _claimed(path) -> bool:
    return _reader.napari_get_reader(str(path)) is not None


def _stray_last_pointer(src, dst):
    """`src`'s copy whose last page's next-page pointer points beyond the end of the file."""
    b = bytearray(src.read_bytes())
    offset = struct.unpack("<I", b[4:8])[0]
    while True:
        n = struct.unpack("<H", b[offset : offset + 2])[0]
        at = offset + 2 + 12 * n
        nxt = struct.unpack("<I", b[at : at + 4])[0]
        if not nxt:
            break
        offset = nxt
    b[at : at + 4] = struct.pack("<I", len(b) + 1000)
    dst.write_bytes(bytes(b))
    return dst


def test_a_whole_tiff_whose_last_page_points_past_its_end_stays_naparis(tmp_path):
    """A grey image whose one page is whole but whose next-page pointer points beyond the end of
    the file (a writer's slip): napari's reader shows it; 22981731 claimed it and refused it as
    'truncated or corrupt'. A stack cut within a page's data (the same pointer fault, its last
    page short) and one cut after a page's bytes the chain no longer reaches stay claimed."""
    rng = np.random.default_rng(0)
    gray = tmp_path / "gray.tif"
    tifffile.imwrite(gray, rng.integers(0, 4000, (30, 40), dtype=np.uint16))
    assert not _claimed(_stray_last_pointer(gray, tmp_path / "stray.tif"))
    assert tifffile.imread(tmp_path / "stray.tif").shape == (30, 40)  # napari's reader reads it

    stack = tmp_path / "stack.tif"
    with tifffile.TiffWriter(stack) as tw:
        for _ in range(8):
            tw.write(
                rng.integers(0, 4000, (20, 30), dtype=np.uint16),
                compression="zlib",
                contiguous=False,
            )
    b = stack.read_bytes()
    with tifffile.TiffFile(stack) as tf:
        p3 = tf.pages[3]
        data_end = p3.dataoffsets[0] + p3.databytecounts[0]
    (tmp_path / "in_data.tif").write_bytes(b[: data_end - 10])  # page 3's data cut
    (tmp_path / "after.tif").write_bytes(b[: data_end + 4])  # 4 bytes of page 4's directory
    assert _claimed(tmp_path / "in_data.tif")
    assert _claimed(tmp_path / "after.tif")


def test_a_tiff_of_more_pages_than_the_limit_stays_naparis(tmp_path, monkeypatch):
    """A sound TIFF of more pages than MAX_TIFF_PAGES (65,536: a long movie of small frames,
    which napari's reader reads) is not claimed: 22981731 claimed it to refuse it ('the TIFF
    has more than 65536 pages'). The limit is lowered to 5 here to keep the file small."""
    path = tmp_path / "movie.tif"
    with tifffile.TiffWriter(path) as tw:
        for i in range(6):
            tw.write(np.full((4, 4), i, np.uint16), contiguous=False)
    monkeypatch.setattr(tiff_pages, "MAX_TIFF_PAGES", 5)
    assert not _claimed(path)


def test_a_picture_cut_within_its_image_data_is_claimed_and_called_truncated(tmp_path):
    """A grey image whose strips the file holds half of: napari's reader failed on it ('failed
    to read 2400 bytes, got ...') and read_tiff called it 'a 2-D image (30, 40) (axes YX), not
    a spectral stack'; it is claimed and said to be truncated, as a cut stack is."""
    from xrf_napari.io import read_cube

    gray = tmp_path / "gray.tif"
    tifffile.imwrite(gray, np.arange(1200, dtype=np.uint16).reshape(30, 40))
    b = gray.read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(b[: len(b) - 1200])
    assert _claimed(cut)
    with pytest.raises(CubeReadError, match=r"1200 bytes missing: the TIFF is truncated"):
        read_cube(cut)
    assert not _claimed(gray)  # the whole one stays napari's


def test_a_whole_stack_whose_last_page_points_past_its_end_is_read(tmp_path):
    """A 100-page stack (6 x 7 px) whose pages are all there but whose last page's next-page
    pointer points beyond the end of the file had been refused ('page 100 of the TIFF lies
    beyond the end of the file ...: truncated or corrupt'), though tifffile reads it whole; it
    is read, with a warning naming the slip. One cut after 40 of its pages (its description
    declares 100) is still refused as cut."""
    from xrf_napari.io import read_cube

    cube = np.random.default_rng(1).poisson(3, (100, 6, 7)).astype(np.uint16)
    whole = tmp_path / "cube.tif"
    tifffile.imwrite(whole, cube)
    stray = _stray_last_pointer(whole, tmp_path / "stray.tif")
    assert _claimed(stray)
    with pytest.warns(UserWarning, match="its 100 pages are whole .a writer's slip"):
        read = read_cube(stray)
    assert np.array_equal(np.asarray(read.data), np.moveaxis(cube, 0, -1))

    with tifffile.TiffFile(whole) as tf:
        p40 = tf.pages[40]
    b = bytearray(whole.read_bytes())
    cut = tmp_path / "cut.tif"
    cut.write_bytes(bytes(b[: p40.offset]))  # pages 0-39 and their values, then the cut
    assert _claimed(cut)
    with pytest.raises(CubeReadError, match="page 40 of the TIFF lies beyond the end"):
        read_cube(cut)
