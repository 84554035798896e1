"""Session 47: the CLIs (quicklook, info, embed) and the reader, as a user meets them."""

import os
import stat

import pytest
from _napari_helpers import write_painted_cube

from xrf_napari.cli.main import main

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("cli47") / "painted.h5")


def test_quicklook_keeps_an_earlier_write_protected_map(painted, tmp_path, capsys):
    """A rerun deleted the earlier run's map the user had made read-only (chmod a-w), which every
    save refuses to replace: it is kept, and the note says so."""
    out = tmp_path / "look"
    ql = ["quicklook", str(painted), "-o", str(out), "--no-progress", "--elements"]
    assert main([*ql, "Fe,Cu"]) == 0
    fe, cu = out / "painted_Fe_Ka.png", out / "painted_Cu_Ka.png"
    before = fe.read_bytes()
    os.chmod(fe, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    capsys.readouterr()
    assert main([*ql, "Ca"]) == 0
    err = capsys.readouterr().err
    assert fe.read_bytes() == before
    assert not cu.exists()  # a writable one still goes
    assert "kept 1 read-only (write-protected) file(s)" in err and "painted_Fe_Ka.png" in err
    assert "removed 1 file(s)" in err and "painted_Cu_Ka.png" in err.split("kept")[0]
