"""Session 61, file readers: a TIFF cut short, text spectra of another format, memory."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def _cut(path, out, keep: int):
    out.write_bytes(path.read_bytes()[:keep])
    return out


def _refusal(path) -> str:
    """read_cube's CubeReadError message for `path`, which it must refuse."""
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    return str(err.value)


def test_a_tiff_cut_within_its_header_is_told_truncated(tmp_path):
    """A TIFF cut within its 8-byte (BigTIFF: 16-byte) header had read 'not a TIFF file (no
    II/MM byte-order mark)' or '(version 43)'."""
    tifffile = pytest.importorskip("tifffile")
    cube = np.arange(6 * 5 * 4, dtype=np.uint16).reshape(6, 5, 4)
    for big, keep, whole in ((False, 6, 8), (True, 12, 16)):
        src = tmp_path / f"s{big}.tif"
        tifffile.imwrite(src, cube, bigtiff=big)
        bad = _cut(src, tmp_path / f"cut{big}.tif", keep)
        msg = _refusal(bad)
        assert str(bad) in msg and "not a TIFF" not in msg, msg
        assert f"truncated: it holds {keep} bytes, less than its {whole}-byte header" in msg


def test_a_tiff_cut_within_its_image_data_says_bytes_missing(tmp_path):
    """A samples TIFF cut within its one strip had read 'reading row 0 failed (TiffFileError:
    corrupted strip cannot be reshaped ...)', a tifffile bug's words, and a recolour output
    check of a TIFF cut in its page chain 'it is not a TIFF image'."""
    tifffile = pytest.importorskip("tifffile")
    from xrf_napari.io.arrays import not_a_picture

    src = tmp_path / "s.tif"
    tifffile.imwrite(
        src, np.ones((8, 9, 40), np.uint16), photometric="minisblack", planarconfig="contig"
    )
    size = src.stat().st_size
    bad = _cut(src, tmp_path / "cut.tif", size - 100)
    msg = _refusal(bad)
    assert "100 bytes missing: the TIFF is truncated" in msg, msg
    assert f"runs to byte {size}, the file holds {size - 100}" in msg
    head = _cut(src, tmp_path / "head.tif", 12)  # its first directory cut off
    said = not_a_picture(head) or ""
    assert "not a TIFF" not in said and "cut off" in said and "holds 12 bytes" in said, said


@pytest.mark.parametrize(
    ("suffix", "before"),
    [(".msa", "no #FORMAT line"), (".rpl", "lacks the required key"), (".csv", "no lines of")],
)
def test_a_bruker_spx_named_as_another_text_format_is_named_as_one(
    real_data, tmp_path, suffix, before
):
    """The real M6 .spx named .msa, .rpl or .csv had read 'not an EMSA/MAS file (no #FORMAT
    line)', 'ripple header lacks the required key 'width'', 'holds no lines of values'; named
    .mca it was told (714b1b3): every text reader tells it now."""
    src = real_data / "bruker_m6_jetstream_file_example.spx"
    bad = tmp_path / f"spectrum{suffix}"
    bad.write_bytes(src.read_bytes())
    msg = _refusal(bad)
    assert "it is a Bruker .spx spectrum (XML): rename it .spx" in msg and before not in msg, msg


def test_a_ripple_header_named_mca_is_named_as_one(real_data, tmp_path):
    """The real M6 .rpl header named .mca read 'no spectrum found: 0 count values'."""
    bad = tmp_path / "scan.mca"
    bad.write_bytes((real_data / "ng_m6_R117_header_only.rpl").read_bytes())
    msg = _refusal(bad)
    assert "it is a ripple (.rpl) header" in msg and "(414 x 302 x 4096)" in msg, msg
    assert "rename it .rpl" in msg


def test_text_spectra_of_their_own_format_are_not_taken_for_another(real_data, tmp_path):
    """The test that names another format leaves each format's own files to their reader: the
    real PyMca .mca and ripple header are read as before."""
    from xrf_napari.io import read_spectrum
    from xrf_napari.io.ripple import parse_header

    assert read_spectrum(real_data / "pymca_XRFSpectrum.mca").counts.size > 100
    assert parse_header(real_data / "ng_m6_R117_header_only.rpl").width == 414
    table = tmp_path / "t.csv"
    table.write_text("energy,counts\n1.0,5\n1.01,6\n1.02,7\n", encoding="utf-8")
    assert read_spectrum(table).counts.tolist() == [5, 6, 7]


def test_a_fits_image_named_tif_is_a_fits_not_an_fits_nor_text(tmp_path):
    """A FITS image named .tif read 'it is an FITS image named .tif' in recolour's output
    check, and 'not a TIFF file (it is a text file)' opened as a scan (its header is text)."""
    from xrf_napari.io.arrays import not_a_picture

    cards = ("SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =  2")
    cards += ("NAXIS1  =                    4", "NAXIS2  =                    4", "END")
    bad = tmp_path / "image.tif"
    head = "".join(c.ljust(80) for c in cards).ljust(2880).encode()
    bad.write_bytes(head + bytes(16).ljust(2880, b"\0"))
    assert not_a_picture(bad).endswith(": it is a FITS image named .tif")
    with pytest.raises(CubeReadError, match=r"not a TIFF file \(it is a FITS image named \.tif\)"):
        read_cube(bad)


def test_a_compressed_stack_of_a_few_maps_is_refused_before_decoding(tmp_path, monkeypatch):
    """A zlib TIFF of 8 element maps was decoded whole (8 pages of 3000 x 3000: 2.2 s) before
    its refusal as 'holds 8 images ..., not a spectral datacube'; refused from its tags now."""
    tifffile = pytest.importorskip("tifffile")
    from xrf_napari.io import arrays

    maps = tmp_path / "maps.tif"
    tifffile.imwrite(maps, np.ones((8, 16, 16), np.uint16), compression="zlib")
    decoded = []
    real = arrays._tiff_decoded
    monkeypatch.setattr(arrays, "_tiff_decoded", lambda *a: decoded.append(a) or real(*a))
    with pytest.raises(CubeReadError, match="holds 8 images of 16 x 16"):
        read_cube(maps)
    assert not decoded


class _NoRoom:
    """A store whose reads fail as numpy's allocation does."""

    shape, dtype, ndim = (40, 30, 512), np.dtype(np.uint16), 3

    def __getitem__(self, key):
        raise MemoryError(
            "Unable to allocate 1.50 GiB for an array with shape (40, 30, 512) and data type uint16"
        )


def test_a_read_out_of_memory_names_the_file_and_the_size(tmp_path):
    """A pass over a scan (read_block, the Cube's reads) or a slider step that ran out of memory
    ended in a bare 'MemoryError: Unable to allocate ...' naming no file."""
    from xrf_napari.errors import read_block

    scan = tmp_path / "scan.h5"
    with pytest.raises(CubeReadError) as err:
        read_block(_NoRoom(), (slice(8, 12), slice(None), slice(None)), scan)
    msg = str(err.value)
    assert msg.startswith(f"{scan}: reading rows 8-11 needs 1.50 GiB"), msg
    assert "(an array of (40, 30, 512))" in msg
    assert "may still allocate" in msg or "seemed to have" in msg  # test_oom61: which, by budget
