"""The cube writer and label-image saves (session 47): the writer tells a clash with the cube's
source from the error's fields, not its words."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from xrf_napari import fileutil
from xrf_napari._writer import CubeSaveError, write_cube_layer
from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration

SOURCE_NOTE = "(a cube is saved to a new file; its source file is never replaced)"


def _cube_layer():
    counts = np.ones((3, 4, 16), np.float32)
    cube = Cube(counts, Calibration(0.0, 0.1))
    return np.moveaxis(counts, -1, 0), {"name": "scan", "metadata": {"xrf_cube": cube}}


def test_a_clash_with_an_input_carries_that_input(tmp_path):
    scan = tmp_path / "scan.h5"
    scan.write_bytes(b"a scan")
    with pytest.raises(fileutil.OutputError) as clash:
        fileutil.check_outputs(files=[scan], inputs=[scan])
    assert clash.value.clash == scan
    assert pickle.loads(pickle.dumps(clash.value)).clash == scan  # a child process's error
    (tmp_path / "notafolder").write_bytes(b"")
    with pytest.raises(fileutil.OutputError, match="is not a folder") as other:
        fileutil.check_outputs(files=[tmp_path / "notafolder" / "out.h5"], inputs=[scan])
    assert other.value.clash is None


def test_the_writer_tells_a_clash_by_its_fields_not_its_words(tmp_path, monkeypatch):
    data, meta = _cube_layer()
    out = tmp_path / "scan.h5"

    def reworded(files=(), inputs=(), **_):
        raise fileutil.OutputError("the scan would be lost", clash=Path(files[0]))

    monkeypatch.setattr(fileutil, "check_outputs", reworded)
    with pytest.raises(CubeSaveError) as info:
        write_cube_layer(str(out), data, meta)
    assert str(info.value) == f"layer 'scan' not saved: the scan would be lost {SOURCE_NOTE}"

    def unwritable(files=(), inputs=(), **_):  # worded as a clash once was, but is none
        raise fileutil.OutputError(f"output {files[0]} cannot be written: the disk is full")

    monkeypatch.setattr(fileutil, "check_outputs", unwritable)
    with pytest.raises(CubeSaveError) as info:
        write_cube_layer(str(out), data, meta)
    assert str(info.value) == (
        f"layer 'scan' not saved: output {out} cannot be written: the disk is full"
    )
