"""Core fixes of session 38, each with a test that fails on its parent."""

import json

import numpy as np
import pytest


def test_a_recolouring_saves_as_tiff_under_a_non_ascii_path(tmp_path):
    """TIFF's ImageDescription is 7-bit ASCII: provenance naming "Musée/scan.h5" made the TIFF
    fail after the whole recolour had run. It is written, and reads back as the same record."""
    import tifffile
    from PIL import Image

    from xrf_napari.analysis.recolour import save_rgb

    rgb = np.random.default_rng(0).random((6, 5, 3))
    provenance = {"input": str(tmp_path / "Musée" / "scan.h5"), "note": "Ångström, 5 µm"}
    for name in ("Musée.tif", "Musée.png"):
        out = save_rgb(tmp_path / name, rgb, provenance)
        if name.endswith(".tif"):
            with tifffile.TiffFile(out) as tif:
                text = tif.pages[0].description
                pixels = tif.asarray()
        else:
            with Image.open(out) as im:
                text = im.info["Description"]
                pixels = np.asarray(im)
        assert json.loads(text) == provenance
        assert pixels.shape == (6, 5, 3)


def test_an_exported_spectrum_reads_back_with_its_counts(tmp_path):
    """Counts of 10^6 and more were written with 6 significant digits and came back up to 5
    counts off; the plugin's own CSV reader gets every value back."""
    from xrf_napari.analysis.export import save_spectra_csv
    from xrf_napari.io import read_spectrum

    energy = 0.02 + 0.01 * np.arange(300)
    counts = np.random.default_rng(1).integers(0, 4_000_000, 300).astype(np.float64)
    counts[:3] = [1_234_567, 9_999_999, 123_456_789]
    path = save_spectra_csv(tmp_path / "mean.csv", {"mean": (energy, counts)})
    back = read_spectrum(path)
    np.testing.assert_array_equal(np.asarray(back.counts, dtype=np.float64).ravel(), counts)


def test_out_of_memory_does_not_claim_nothing_was_written(tmp_path, capsys):
    """A command that runs out of memory after writing a file (a trainer's config.json) was told
    "nothing was written"; the message claims only what holds for every command."""
    from types import SimpleNamespace

    from xrf_napari.cli._dispatch import _run

    def run(args):
        (tmp_path / "config.json").write_text("{}", encoding="utf-8")
        raise MemoryError("an allocation failed")

    assert _run("xrf-napari-train embedder", SimpleNamespace(run=run), None) == 1
    err = capsys.readouterr().err
    assert (tmp_path / "config.json").is_file()
    assert "out of memory" in err and "nothing was written" not in err
    assert "half-written" in err


def test_quicklook_elements_naming_nothing_is_refused(tmp_path, capsys):
    """`--elements ""` (or ",") quietly mapped the suggested elements: it is refused, no folder."""
    from _napari_helpers import write_painted_cube

    from xrf_napari.cli.main import main

    scan = write_painted_cube(tmp_path / "painted.h5")
    for value in ("", ",", " , "):
        out = tmp_path / f"look{len(value)}"
        assert main(["quicklook", str(scan), "--output", str(out), "--elements", value]) == 2
        assert "names no element" in capsys.readouterr().err
        assert not out.exists()


def test_a_count_past_uint32_names_uint32():
    """A channel past every storable count said "more than uint16 can store" (the array's type
    before widening), though uint32 could not hold it either."""

    from xrf_napari.synth.cube import _fit_dtype

    out = np.zeros((2, 2, 4), np.uint16)
    assert _fit_dtype(out, 70_000, False).dtype == np.uint32
    with pytest.raises(ValueError, match="more than uint32 can store: lower the counts"):
        _fit_dtype(out, 2**33, False)
    with pytest.raises(ValueError, match="more than uint16 can store"):
        _fit_dtype(out, 70_000, True)


def test_a_cube_save_stops_cleanly_before_the_disk_is_full(tmp_path, monkeypatch):
    """HDF5 failing on a full disk crashed the process as h5py freed its objects (napari gone
    with the session); the streamed save checks the free space before each block and stops with
    ENOSPC naming the file: the old file intact, no temporary left, napari's message one line."""
    import errno
    import shutil
    from collections import namedtuple

    from xrf_napari._writer import CubeSaveError, write_cube_layer
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube_streamed

    counts = np.random.default_rng(0).integers(0, 9, (6, 5, 32)).astype(np.uint16)
    cube = Cube(counts, Calibration(0.1, 0.02, source="file"), path=tmp_path / "scan.h5")
    out = tmp_path / "copy.h5"
    out.write_bytes(b"an earlier save")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(2**30, 2**30 - 2**20, 2**20))
    with pytest.raises(OSError) as caught:
        write_cube_streamed(out, cube)
    assert caught.value.errno == errno.ENOSPC and "copy.h5" in str(caught.value)
    meta = {"name": "scan", "metadata": {"xrf_cube": cube}}
    with pytest.raises(CubeSaveError, match="MiB free"):
        write_cube_layer(str(out), np.moveaxis(counts, -1, 0), meta)
    assert out.read_bytes() == b"an earlier save"
    assert [p.name for p in tmp_path.iterdir()] == ["copy.h5"]
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(2**40, 0, 2**39))
    write_cube_streamed(out, cube)  # room enough: written
    assert out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
