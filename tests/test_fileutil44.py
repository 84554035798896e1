"""The output guard protects every file the readers read with an input (fileutil.input_files):
a ripple pair or an array's JSON sidecar reached through a symbolic link to one file of it is read
beside the file the link points to (io.limits.pair_places, c688c5d), so a save over that partner
must be refused as a save over the input itself is, by the CLIs' output check and by the napari
writer's check for another open scan's files."""

import os
import re
from types import SimpleNamespace

import numpy as np
import pytest

from xrf_napari import _reader
from xrf_napari._writer import _open_file_layer
from xrf_napari.energy import Calibration
from xrf_napari.fileutil import OutputError, check_outputs, input_files
from xrf_napari.io import read_cube, ripple

needs_symlinks = pytest.mark.skipif(
    not hasattr(os, "symlink") or os.name == "nt", reason="symbolic links"
)


def _pair(folder, name="export"):
    """A small calibrated ripple pair in `folder`; its .rpl."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = (np.arange(2 * 3 * 16) % 7).astype(np.uint16).reshape(2, 3, 16)
    return ripple.write(folder / f"{name}.rpl", counts, calibration=Calibration(0.0, 0.01, 0.0))


def _link(target, link):
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


@needs_symlinks
@pytest.mark.parametrize("link_name", ["mine.rpl", "export.rpl"])
def test_the_cli_check_refuses_the_raw_beside_a_linked_rpls_target(tmp_path, link_name):
    # Before: the .raw was looked for beside the link only, so writing over /e/export.raw,
    # the data the linked scan reads, was let through.
    rpl = _pair(tmp_path / "e")
    link = _link(rpl, tmp_path / "p" / link_name)
    raw = rpl.with_suffix(".raw")
    assert os.path.samefile(read_cube(link, auto_calibrate=False).metadata["data_file"], raw)
    with pytest.raises(
        OutputError, match=re.escape(f"output {raw} is the input {raw} (or a link to it)")
    ):
        check_outputs(files=[raw], inputs=[link])
    assert raw in input_files(link)


@needs_symlinks
def test_the_cli_check_refuses_the_rpl_beside_a_linked_raws_target(tmp_path):
    rpl = _pair(tmp_path / "e")
    link = _link(rpl.with_suffix(".raw"), tmp_path / "p" / "scan.raw")
    with pytest.raises(OutputError, match=re.escape(f"output {rpl} is the input {rpl}")):
        check_outputs(files=[rpl], inputs=[link])


@needs_symlinks
def test_the_cli_check_refuses_the_sidecar_beside_a_linked_arrays_target(tmp_path):
    (tmp_path / "e").mkdir()
    npy = tmp_path / "e" / "export.npy"
    np.save(npy, np.ones((2, 3, 16), np.uint16))
    side = npy.with_suffix(".json")
    side.write_text('{"offset": 0.0, "gain": 0.01}', encoding="utf-8")
    link = _link(npy, tmp_path / "p" / "mine.npy")
    assert read_cube(link, auto_calibrate=False).calibration.gain == pytest.approx(0.01)
    with pytest.raises(OutputError, match=re.escape(f"output {side} is the input {side}")):
        check_outputs(files=[side], inputs=[link])
    with pytest.raises(OutputError, match=re.escape(f"output {side} is the input {side}")):
        check_outputs(files=[side], inputs=[npy])  # the unlinked array's sidecar too


@needs_symlinks
def test_the_writer_refuses_the_raw_an_open_linked_scan_reads(tmp_path, monkeypatch):
    # napari's writer asks whether another open scan reads the chosen file (_open_file_layer).
    rpl = _pair(tmp_path / "e")
    link = _link(rpl, tmp_path / "p" / "mine.rpl")
    opened = read_cube(link, auto_calibrate=False)
    layer = SimpleNamespace(name="mine", metadata={"xrf_cube": opened})
    viewer = SimpleNamespace(layers=[layer])
    monkeypatch.setattr(_reader, "_viewers", lambda: [viewer])
    assert _open_file_layer(rpl.with_suffix(".raw"), None) == ("mine", True)
    assert _open_file_layer(link, None) == ("mine", True)
    other = tmp_path / "e" / "other.raw"
    other.write_bytes(b"not read by the scan")
    assert _open_file_layer(other, None) == (None, False)


def test_without_links_the_guard_is_unchanged(tmp_path):
    # Guard (passes before and after): the pair beside the input, in any suffix case, is guarded;
    # other files beside it are not.
    rpl = _pair(tmp_path)
    raw = rpl.with_suffix(".raw")
    assert input_files(rpl) == [rpl, raw]
    assert input_files(raw) == [raw, rpl]
    with pytest.raises(OutputError, match="export.raw"):
        check_outputs(files=[raw], inputs=[rpl])
    h5 = tmp_path / "scan.h5"
    h5.write_bytes(b"")
    (tmp_path / "scan.json").write_text("{}", encoding="utf-8")
    assert input_files(h5, None) == [h5]  # no reader of .h5 reads a JSON sidecar
    check_outputs(files=[tmp_path / "scan.json", tmp_path / "export.png"], inputs=[rpl, h5])
