"""Review of lateB66 (session 66): the trainers' --out named like a scan, as quicklook's -o was
(5c391bed); several cube layers saved at once (e70d815e): a later layer failing leaves no file,
and two layers whose names differ only in capitals are refused."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cli import train as cli_train


@pytest.mark.parametrize(
    "command, out, more",
    [
        ("generate", "set.zarr", ["--n-cubes", "1"]),
        ("export-set", "set.mca", ["--format", "h5"]),
        ("embedder", "dve.rpl", []),
        ("recolouriser", "uvit.spx", []),
        ("evaluate", "eval.raw", []),
    ],
)
def test_a_trainer_out_named_like_a_scan_is_refused(command, out, more, tmp_path, capsys):
    """5c391bed refused `quicklook X -o out/scan.mca` (a folder named like a scan xrf-napari
    opens) but left the trainers' --out: `generate --out set.zarr` made a folder that reads back
    as a zarr scan. Now refused alike, before any work. Fails on the parent: the folder made,
    or (--data missing) another refusal."""
    data = [] if command == "generate" else ["--data", str(tmp_path / "nosuch")]
    argv = [command, "--out", str(tmp_path / out), *data, *more, "--no-progress"]
    assert cli_train.main(argv) == 2
    err = capsys.readouterr().err
    suffix = out[out.index(".") :]
    assert f"--out {tmp_path / out}: names a scan ({suffix}, an ending xrf-napari opens" in err
    assert f"{command} writes several files into a folder" in err, err
    assert not (tmp_path / out).exists()


def _layer(name: str, value: int = 1):
    """A cube layer's (data, meta, type) as npe2 hands it to a multi-layer writer."""
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    cube = Cube(
        np.full((3, 4, 16), value, np.uint16), Calibration(0.0, 0.05), metadata={"name": name}
    )
    return np.zeros((16, 3, 4)), {"name": name, "metadata": {"xrf_cube": cube}}, "image"


def test_a_later_cube_layer_failing_leaves_none_of_the_files(tmp_path):
    """Two cube layers saved at once, the second's file name longer than the file system takes:
    the first was left written ("written before it: cubes_A.h5"), so saving again under the
    same name, once the second was renamed, was refused ("cubes_A.h5 already exists ...").
    Now the files written before it are removed and the message says nothing was saved. Fails
    on the parent: cubes_A.h5 left."""
    from xrf_napari._writer import CubeSaveError, write_cube_layers

    long = "L" * 300  # "cubes_LLL...h5": 309 bytes, where the file system takes 255
    with pytest.raises(CubeSaveError, match=r"longer than .*; nothing saved \(the 1 file"):
        write_cube_layers(str(tmp_path / "cubes.h5"), [_layer("A"), _layer(long, 2)])
    assert list(tmp_path.iterdir()) == []
    written = write_cube_layers(str(tmp_path / "cubes.h5"), [_layer("A"), _layer("B", 2)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cubes_A.h5", "cubes_B.h5"], written


def test_two_cube_layers_named_alike_but_for_capitals_are_refused(tmp_path):
    """Layers "Scan" and "scan" saved at once went to cubes_Scan.h5 and cubes_scan.h5: one
    file on Windows and macOS, where the second replaced the first. Refused before anything is
    written, as two names that map to the same file were. Fails on the parent: both written."""
    from xrf_napari._writer import CubeSaveError, write_cube_layers

    match = r"layers 'Scan' and 'scan' not saved: .*cubes_Scan\.h5 \(one file where capitals"
    with pytest.raises(CubeSaveError, match=match):
        write_cube_layers(str(tmp_path / "cubes.h5"), [_layer("Scan"), _layer("scan", 2)])
    assert list(tmp_path.iterdir()) == []


def test_one_cube_layer_keeps_the_single_layer_writer_and_several_get_the_other():
    """A guard: e70d815e's write_cubes (layer_types image{2,4096}) takes several image layers
    with a .h5 name, while one layer keeps write_cube and its checks (the Save dialog lists
    only the writers that take the selected layers)."""
    from npe2 import PluginManager

    pm = PluginManager.instance()
    pm.discover()  # as napari does on start; idempotent
    for name in ("x.h5", "x.hdf5"):
        assert pm.get_writer(name, ["image"])[0].command == "xrf-napari.write_cube"
        for n in (2, 3):
            assert pm.get_writer(name, ["image"] * n)[0].command == "xrf-napari.write_cubes"


def test_a_name_typed_without_its_suffix_is_checked_as_the_files_written(tmp_path):
    """The Save dialog, its file type *datacubes (HDF5, one file each)* chosen, passes the name
    as typed: "cubes" was checked as cubes_A, cubes_B (none there), while the files written were
    cubes_A.h5, cubes_B.h5, so an existing cubes_B.h5 was met only after cubes_A.h5 was written,
    said as "the Save dialog asked about 'cubes_B' only; type 'cubes_B.h5' in full", a name
    nobody can type here. Now refused first, as for "cubes.h5"; ".h5" (no name before the
    suffix) wrote ".h5_A.h5" and is refused. Fails on the parent."""
    from xrf_napari._writer import CubeSaveError, write_cube_layers

    (tmp_path / "cubes_B.h5").write_bytes(b"mine")
    layers = [_layer("A"), _layer("B", 2)]
    for typed in ("cubes", "cubes."):
        with pytest.raises(CubeSaveError, match=r"cubes_B\.h5 already exists \(several cubes"):
            write_cube_layers(str(tmp_path / typed), layers)
    with pytest.raises(CubeSaveError, match="'.h5' has no file name before the suffix"):
        write_cube_layers(str(tmp_path / ".h5"), layers)
    assert [p.name for p in tmp_path.iterdir()] == ["cubes_B.h5"]
    assert (tmp_path / "cubes_B.h5").read_bytes() == b"mine"
    written = write_cube_layers(str(tmp_path / "new"), layers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cubes_B.h5", "new_A.h5", "new_B.h5"]
    assert len(written) == 2
