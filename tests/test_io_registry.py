"""One format table (io.registry) drives dispatch, can_read and the napari manifest (issue 18)."""

import os
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

import xrf_napari
from xrf_napari.io import CubeReadError, can_read, read_cube, registry


def test_manifest_reader_patterns_match_the_registry():
    manifest = yaml.safe_load((Path(xrf_napari.__file__).parent / "napari.yaml").read_text())
    (reader,) = manifest["contributions"]["readers"]
    assert reader["filename_patterns"] == registry.manifest_patterns()
    assert reader["accepts_directories"] == any(f.directory for f in registry.FORMATS)


def test_every_registered_reader_imports_and_suffixes_are_unique():
    suffixes = [s for f in registry.FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes)) and all(
        s == s.lower() and s[0] == "." for s in suffixes
    )
    for fmt in registry.FORMATS:
        assert callable(fmt.load()), fmt.name


@pytest.mark.parametrize("suffix", registry.SUPPORTED_SUFFIXES)
def test_every_suffix_dispatches_to_its_reader(tmp_path, suffix):
    """A garbage file of each suffix is claimed unless napari shares the suffix (except .npy:
    napari's np.load cannot read a file without NumPy's signature either, test_readers44), and
    read_cube answers with a CubeReadError naming the file (never another exception)."""
    p = tmp_path / f"junk{suffix}"
    p.write_bytes(b"\x00garbage\xff" * 10)
    fmt = registry.BY_SUFFIX[suffix]
    assert can_read(p) == (fmt.sniff is None or suffix == ".npy")
    with pytest.raises(CubeReadError, match=f"junk{suffix}"):
        read_cube(p)


def test_orphan_raw_and_cubeless_h5_are_claimed_with_a_clear_error(tmp_path):
    raw = tmp_path / "lonely.raw"
    raw.write_bytes(b"\0" * 10)
    assert can_read(raw)
    with pytest.raises(CubeReadError, match="lonely.rpl"):
        read_cube(raw)
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w"):
        pass
    assert can_read(empty)
    with pytest.raises(CubeReadError, match="empty.h5: no datacube"):
        read_cube(empty)


def test_shared_suffixes_stay_napari_unless_they_hold_ours(tmp_path):
    np.save(tmp_path / "img.npy", np.zeros((4, 4)))
    np.save(tmp_path / "cube.npy", np.zeros((4, 4, 8)))
    (tmp_path / "points.csv").write_text("index,axis-0,axis-1\n0,1.5,2.5\n1,3.0,4.0\n")
    (tmp_path / "spectrum.csv").write_text("energy,counts\n1.0,5\n1.1,7\n1.2,3\n")
    assert not can_read(tmp_path / "img.npy") and can_read(tmp_path / "cube.npy")
    assert not can_read(tmp_path / "points.csv") and can_read(tmp_path / "spectrum.csv")
    assert not can_read(tmp_path / "missing.rpl") and not can_read(tmp_path / "notes.txt")


def test_hdf5_content_under_another_suffix_and_fifo_claim(tmp_path):
    p = tmp_path / "scan.dat"
    with h5py.File(p, "w") as f:
        f["data"] = np.ones((3, 3, 128), np.uint16)
    assert can_read(p) and read_cube(p, auto_calibrate=False).shape == (3, 3, 128)
    fifo = tmp_path / "pipe.tif"
    os.mkfifo(fifo)
    assert can_read(fifo)  # claimed by suffix without opening; the reader refuses it
    with pytest.raises(CubeReadError, match="FIFO"):
        read_cube(fifo)
