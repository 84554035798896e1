"""Review of the readers' session-63 commits (266504a0): a shaped TIFF is read as plain pages
only where every page repeats the first's description (a writer's loop); a CSV is napari's
points table only with both axis-0 and axis-1, as napari's reader needs."""

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, read_spectrum
from xrf_napari.io.registry import claims


def test_an_image_then_a_stack_of_its_size_is_not_read_as_one_stack(tmp_path):
    """Two imwrite calls, an 8 x 8 image then a 70-page stack of 8 x 8: 266504a0 read it as one
    cube of 71 channels, the image the first, claimed; tifffile's series keep them apart, and
    read_cube says what the first series is, as before 266504a0."""
    tifffile = pytest.importorskip("tifffile")
    rng = np.random.default_rng(1)
    path = tmp_path / "image_then_stack.tif"
    tifffile.imwrite(path, rng.integers(0, 9, (8, 8)).astype(np.uint16))
    tifffile.imwrite(path, rng.integers(0, 9, (70, 8, 8)).astype(np.uint16), append=True)
    assert not claims(path)
    with pytest.raises(CubeReadError, match=r"2-D image \(8, 8\)"):
        read_cube(path)


def test_a_stack_written_a_page_at_a_time_is_still_one_cube(tmp_path):
    """A guard: imwrite once a page, 64 pages of 4 x 4, every page the same description, reads
    as the 64-channel cube the same pages written at once are."""
    tifffile = pytest.importorskip("tifffile")
    stack = np.random.default_rng(2).integers(0, 9, (64, 4, 4)).astype(np.uint16)
    path = tmp_path / "loop.tif"
    for k, page in enumerate(stack):
        tifffile.imwrite(path, page, append=k > 0)
    assert claims(path)
    np.testing.assert_array_equal(np.asarray(read_cube(path).data), stack.transpose(1, 2, 0))


def test_a_two_column_index_axis_0_csv_is_still_a_spectrum(tmp_path):
    """'index,axis-0' over two columns is no napari points table (napari's CSV reader needs
    axis-0 and axis-1 and reads none of it): 266504a0 refused it, 'a napari points table ...
    open it with napari's own reader', and left it to napari; it opens as a spectrum, as before."""
    counts = np.arange(300) % 17
    path = tmp_path / "spectrum.csv"
    path.write_text("index,axis-0\n" + "".join(f"{i},{c}\n" for i, c in enumerate(counts)))
    assert claims(path)
    np.testing.assert_array_equal(read_spectrum(path).counts, counts)
    points = tmp_path / "points.csv"
    points.write_text("index,axis-0,axis-1\n0,1.5,2.5\n")
    assert not claims(points)


def test_a_stack_written_a_page_at_a_time_with_each_pages_metadata_is_one_cube(tmp_path):
    """imwrite once a page with the page's own metadata ('{"shape": [4, 4], "energy_keV":
    0.01}'): every page shapes itself alike, a writer's loop, read as its 64 pages (493706da
    compared the descriptions byte for byte and refused it as '64 separate images')."""
    tifffile = pytest.importorskip("tifffile")
    stack = np.random.default_rng(3).integers(0, 9, (64, 4, 4)).astype(np.uint16)
    path = tmp_path / "loop.tif"
    for k, page in enumerate(stack):
        tifffile.imwrite(path, page, append=k > 0, metadata={"energy_keV": 0.01 * k})
    assert claims(path)
    np.testing.assert_array_equal(np.asarray(read_cube(path).data), stack.transpose(1, 2, 0))
