"""Readers, session 65: a damaged HDF5 structure, a TIFF of mixed sample sizes, an .npz member
whose zip method's module is missing or whose read the system refuses, each said in our words,
the same from read_cube, `xrf-napari info` and napari's reader."""

import errno
import io
import struct
import zipfile

import numpy as np
import pytest

from xrf_napari._reader import read_layers
from xrf_napari.cli.main import main
from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, registry


def _said_everywhere(path, capsys) -> str:
    """read_cube's refusal of `path`, checked to be what `xrf-napari info` and napari's reader
    (claimed, then read_layers) say too."""
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    capsys.readouterr()
    try:
        code = main(["info", str(path)])
    except SystemExit as exc:
        code = exc.code
    assert code != 0
    assert said in capsys.readouterr().err
    assert registry.claims(path)
    with pytest.raises(CubeReadError) as e:
        read_layers(str(path))
    assert str(e.value) == said
    return said


def test_a_damaged_hdf5_structure_is_said_damaged_with_hdf5s_words_after(tmp_path, capsys):
    """A file that opens but whose group heap is damaged had read "could not be read as hdf5
    (RuntimeError: Unable to synchronously check link existence (bad local heap signature))"
    (the real APS file with one byte replaced: "(RuntimeError: Link iteration failed (bad heap
    free list))")."""
    import h5py

    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["counts"] = np.ones((4, 5, 64), np.uint16)
    data = path.read_bytes()
    assert data.count(b"HEAP") == 1
    path.write_bytes(data.replace(b"HEAP", b"XXXX"))
    said = _said_everywhere(path, capsys)
    assert "scan.h5: a damaged HDF5 file: it opens, but the HDF5 library cannot read its" in said
    assert "HDF5 said: " in said and "heap" in said
    assert "RuntimeError" not in said and "could not be read as" not in said


def _tiff(path, bits, pages=1, spp=5, dtype=np.uint8):
    """A contiguous TIFF of `spp` samples a pixel whose BitsPerSample tag is patched to `bits`."""
    import tifffile

    shape = ((pages,) if pages > 1 else ()) + (8, 10, spp)
    tifffile.imwrite(
        path, np.ones(shape, dtype), photometric="minisblack", planarconfig="contig", metadata=None
    )
    data = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tf:
        at = [page.tags[258].valueoffset for page in tf.pages]
    for o in at:
        data[o : o + 2 * spp] = struct.pack(f"<{spp}H", *bits)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("pages", [1, 3])
def test_a_tiff_of_mixed_sample_sizes_is_refused_as_unreadable_not_at_its_first_row(
    tmp_path, capsys, pages
):
    """BitsPerSample (8, 16, 8, 8, 8) had failed at the first row read, "reading row 0 failed
    (ValueError: data type not supported (SampleFormat 1, (8, 16, 8, 8, 8)-bit)); the file may
    be corrupt or truncated", and three such pages "the TIFF holds a 4-D image (3, 8, 10, 5)"."""
    path = tmp_path / "mixed.tif"
    _tiff(path, (8, 16, 8, 8, 8), pages)
    said = _said_everywhere(path, capsys)
    assert (
        "mixed.tif: its pixels' samples differ in size or type (BitsPerSample 8, 16, 8, 8, 8;"
        in said
    )
    assert "valid but unusual TIFF, or a damaged header" in said
    assert "row 0" not in said and "ValueError" not in said


def test_a_tiff_of_a_sample_type_tifffile_lacks_is_said_so(tmp_path):
    """8-bit floats (SampleFormat 3): "reading row 0 failed (ValueError: data type not
    supported ...)" too."""
    path = tmp_path / "f8.tif"
    _tiff(path, (8,) * 5, dtype=np.float32)
    with pytest.raises(CubeReadError, match=r"f8.tif: its samples are of a type tifffile") as e:
        read_cube(path)
    assert "(8-bit, SampleFormat 3)" in str(e.value)


def test_a_tiff_layout_tifffile_does_not_implement_is_not_called_damaged(tmp_path, monkeypatch):
    """Any failure of tifffile's series had read "its header is damaged: tifffile finds no image
    in it (...)", also its NotImplementedError (a layout it does not read, as SCN Z-stacks)."""
    import tifffile

    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, np.ones((64, 4, 5), np.uint16))

    def not_implemented(self):
        raise NotImplementedError("SCN series: Z-Stacks not supported")

    monkeypatch.setattr(tifffile.TiffFile, "series", property(not_implemented))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert "scan.tif: its layout is one tifffile" in said and "Z-Stacks not supported" in said
    assert "the file may be sound" in said and "damaged" not in said


def _npz(path, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    np.save(buf, np.ones((4, 5, 64), np.uint16))
    with zipfile.ZipFile(path, "w", method) as z:
        z.writestr("counts.npy", buf.getvalue())


@pytest.mark.parametrize(
    ("method", "module"), [(zipfile.ZIP_BZIP2, "bz2"), (zipfile.ZIP_LZMA, "lzma")]
)
def test_an_npz_member_whose_zip_methods_module_is_missing_is_said_so(
    tmp_path, monkeypatch, capsys, method, module
):
    """A Python built without bz2 or lzma had read "could not be read as npz (RuntimeError:
    Compression requires the (missing) bz2 module)"."""
    path = tmp_path / "scan.npz"
    _npz(path, method)
    monkeypatch.setattr(zipfile, module, None)
    said = _said_everywhere(path, capsys)
    name = zipfile.compressor_names[method]
    assert f"scan.npz: member 'counts' is compressed with zip method {method} ({name})" in said
    assert f"(missing) {module} module; the file is not damaged" in said
    assert "RuntimeError" not in said


def test_an_npz_member_the_system_cannot_read_is_not_called_damaged(tmp_path, monkeypatch):
    """An OSError with the system's errno (EIO: a bad sector, a share gone) had read "member
    'counts' is damaged: its place in the archive cannot be read: the archive is corrupt or cut
    short"; a damaged offset's EINVAL still reads so."""
    path = tmp_path / "scan.npz"
    _npz(path)

    def refused(code):
        def open_(self, *args, **kwargs):
            raise OSError(code, errno.errorcode[code])

        return open_

    monkeypatch.setattr(zipfile.ZipFile, "open", refused(errno.EIO))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert "scan.npz: reading member 'counts' failed: the system refused the read (EIO)" in said
    assert "damaged" not in said
    monkeypatch.setattr(zipfile.ZipFile, "open", refused(errno.EINVAL))
    with pytest.raises(CubeReadError, match="member 'counts' is damaged: its place in the arch"):
        read_cube(path)


def test_an_npz_is_opened_once(tmp_path, monkeypatch):
    """_read_npz opened the archive twice (np.load, then zipfile.ZipFile for its members'
    headers): its directory read twice."""
    path = tmp_path / "scan.npz"
    np.savez(path, counts=np.ones((4, 5, 64), np.uint16))
    opened, real = [], zipfile.ZipFile.__init__

    def counted(self, file, *args, **kwargs):
        opened.append(file)
        real(self, file, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counted)
    assert read_cube(path, auto_calibrate=False).data.shape == (4, 5, 64)
    assert len(opened) == 1, opened


def _zarr(path):
    import zarr

    cube = np.random.default_rng(0).poisson(20, (8, 10, 256)).astype(np.uint16)
    z = zarr.open_group(str(path), mode="w")
    z.create_array("counts", data=cube, chunks=(4, 5, 256))
    z.create_array("energy", data=np.linspace(0.0, 20.0, 256))


def _cut_in_half(chunk):
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])


def test_a_damaged_zarr_energy_chunk_is_said_damaged(tmp_path, capsys):
    """A zarr store whose energy array's compressed chunk is damaged had read "could not be read
    as zarr (RuntimeError: Zstd decompression error: invalid input data)" (fuzz_readers, seed
    66: 3 of 1,500 cases)."""
    path = tmp_path / "scan.zarr"
    _zarr(path)
    _cut_in_half(path / "energy" / "c" / "0")
    said = _said_everywhere(path, capsys)
    assert "scan.zarr: zarr array 'energy' (its energy axis) cannot be read: a compressed " in said
    assert "chunk of it is damaged: its decompression failed (Zstd decompression error" in said
    assert "RuntimeError" not in said


def test_a_damaged_zarr_counts_chunk_is_said_damaged(tmp_path):
    """A damaged counts chunk had read "reading row 0 failed (RuntimeError: Zstd decompression
    error: ...); the file may be corrupt or truncated" (42 of 1,500 fuzz cases), where an HDF5
    chunk's is named with its dataset and said damaged."""
    path = tmp_path / "scan.zarr"
    _zarr(path)
    _cut_in_half(path / "counts" / "c" / "0" / "0" / "0")
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert (
        "scan.zarr: reading row 0 failed: a compressed chunk of zarr array '/counts' there" in said
    )
    assert "is damaged: its decompression failed (Zstd decompression error" in said
    assert "RuntimeError" not in said


def test_a_damaged_zlib_tiff_strip_is_said_damaged(tmp_path):
    """A zlib TIFF whose strip is damaged had read "reading rows 0-7 failed (error: Error -3
    while decompressing data: ...); the file may be corrupt or truncated" (-5 here)."""
    import tifffile

    path = tmp_path / "scan.tif"
    cube = np.random.default_rng(0).poisson(20, (64, 8, 10)).astype(np.uint16)
    tifffile.imwrite(path, cube, compression="zlib")
    with tifffile.TiffFile(path) as tf:
        at, n = tf.pages[0].dataoffsets[0], tf.pages[0].databytecounts[0]
    data = bytearray(path.read_bytes())
    data[at + n // 2 : at + n] = bytes(n - n // 2)
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert "scan.tif: " in said and "TIFF is damaged: its decompression failed (Error -" in said
    assert "(error: " not in said


def _datastack(path):
    import zarr

    cube = np.random.default_rng(0).poisson(20, (8, 10, 256)).astype(np.float32)
    store = zarr.storage.ZipStore(str(path), mode="w")
    z = zarr.open_group(store=store, mode="w")
    z.create_array("maxrf_cube", data=cube, chunks=(4, 5, 256))
    z.create_array("maxrf_energies", data=np.linspace(0.0, 20.0, 256))
    store.close()
    with zipfile.ZipFile(path) as zf:
        return {i.filename: i for i in zf.infolist()}


@pytest.mark.parametrize(
    ("member", "damage", "why"),
    [
        ("zarr.json", "data", "(Bad CRC-32 for file 'zarr.json')"),
        ("maxrf_cube/zarr.json", "magic", "(Bad magic number for file header)"),
        ("maxrf_energies/zarr.json", "data", "(Bad CRC-32 for file 'maxrf_energies/zarr.json')"),
        ("maxrf_energies/c/0", "data", "(Bad CRC-32 for file 'maxrf_energies/c/0')"),
    ],
)
def test_a_damaged_datastack_zip_is_said_damaged(tmp_path, capsys, member, damage, why):
    """A .datastack whose zip archive is damaged had read "unreadable zarr store (BadZipFile: Bad
    magic number for file header)" or, on a member's metadata or the energy array, "could not be
    read as datastack (BadZipFile: Bad CRC-32 for file ...)" (/work/runs65/readers65/dsfuzz.py:
    162 and 49 of 300 flips and splices)."""
    path = tmp_path / "scan.datastack"
    info = _datastack(path)[member]
    data = bytearray(path.read_bytes())
    at = info.header_offset + (1 if damage == "magic" else 30 + len(info.filename) + 1)
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    said = _said_everywhere(path, capsys)
    assert f"scan.datastack: its zip archive is damaged {why}: the file is corrupt or cut" in said
    assert "BadZipFile" not in said


def test_an_hdf5_header_declaring_an_absurd_size_is_damaged_not_truncated(tmp_path, capsys):
    """A flipped high byte of the superblock's addresses had read "the HDF5 file is truncated: it
    has 5120 bytes of the 18374967954648339456 its header declares (an interrupted copy ...)"
    (/work/runs65/readers65/h5scan.py: 3 of the 4 'truncated' flips of a 5 KB file)."""
    import h5py

    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["counts"] = np.ones((4, 5, 64), np.uint16)
        f["energy"] = np.linspace(0.0, 20.0, 64)
    data = bytearray(path.read_bytes())
    data[30] ^= 0xFF
    path.write_bytes(bytes(data))
    said = _said_everywhere(path, capsys)
    assert "scan.h5: a damaged HDF5 file: its header declares a size of " in said
    assert "bytes, over 16 TiB (it has " in said and "truncated" not in said
