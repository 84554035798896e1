"""Review of session 57's script argument types (argtypes.existing, cube_set, output_file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def test_a_path_given_with_a_tilde_is_the_one_the_program_reads_and_writes(tmp_path, monkeypatch):
    """Fails on the parent: existing and cube_set checked `~/set` expanded but returned it as
    typed, so a script given `--data=~/set` (no shell expands ~ after `=`) was accepted, then
    failed on "dataset folder ~/set does not exist"; output_file (827c273b) let `--json=~/rows.json`
    through as typed, and atomic_path wrote it into a new folder named "~" in the working
    folder."""
    from xrf_napari.argtypes import existing, output_file
    from xrf_napari.fileutil import atomic_path
    from xrf_napari.training.data import cube_set, list_cubes

    home, work = tmp_path / "home", tmp_path / "work"
    (home / "set").mkdir(parents=True)
    (home / "set" / "cube_00000.h5").write_bytes(b"")  # listed, never read
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)

    assert os.path.isdir(existing("folder")("~/set"))
    assert os.path.isfile(existing("file or folder")("~/set/cube_00000.h5"))
    assert [p.name for p in list_cubes(cube_set("~/set"))] == ["cube_00000.h5"]
    out = output_file("~/rows.json")
    with atomic_path(out) as tmp:
        tmp.write_text("[]", encoding="utf-8")
    assert (home / "rows.json").read_text(encoding="utf-8") == "[]"
    assert not os.listdir(work), os.listdir(work)  # no folder "~" made here


def test_a_path_without_a_tilde_is_returned_as_typed(tmp_path, monkeypatch):
    """A guard: relative names, names with spaces and an existing output meant to be replaced
    pass as typed (the refusals and the scripts' lines name them so)."""
    from xrf_napari.argtypes import existing, output_file
    from xrf_napari.training.data import cube_set

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a set").mkdir()
    (tmp_path / "a set" / "cube_00000.h5").write_bytes(b"")
    (tmp_path / "old rows.json").write_text("{}", encoding="utf-8")
    assert existing("folder")("a set") == "a set"
    assert cube_set("a set") == "a set"
    assert output_file("old rows.json") == "old rows.json"
    assert output_file("new/rows.json") == "new/rows.json"  # its folder made when written
    with pytest.raises(Exception, match="a set: it is a folder, not a file"):
        output_file("a set")


def test_eval_pigments_scores_a_native_copy_it_is_given_by_name(tmp_path, monkeypatch):
    """Fails on the parent: scripts/eval_pigments.py given a cube's copy at native channels by
    name (cube_00000_native.h5, a file) refused it as "a folder holding no cube (cube_*.h5)"
    (822767e1); a file named is scored, and a folder's native copies beside their cubes are
    still left out (each painting once)."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "eval_pigments.py", "_revC57_eval_pigments")
    seen = []

    class Stop(Exception):
        pass

    def evaluate_cube(f, **_):
        seen.append(Path(f).name)
        if len(seen) == 3:
            raise Stop  # the files are chosen; nothing is scored
        return []

    monkeypatch.setattr(mod, "evaluate_cube", evaluate_cube)
    for name in ("cube_00000.h5", "cube_00000_native.h5", "cube_00001.h5"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(Stop):
        mod.main([str(tmp_path / "cube_00000_native.h5"), str(tmp_path), "--no-uvit"])
    assert seen == ["cube_00000_native.h5", "cube_00000.h5", "cube_00001.h5"]


def test_pigment_usage_refuses_an_out_it_cannot_write_before_counting(tmp_path, capsys):
    """Fails on the parent: scripts/pigment_usage.py, the one script writing a JSON that
    827c273b left out, took --out unchecked: a folder given ended the count (or the minute's
    draw) in atomic_path's traceback; it is refused at parsing (argtypes.output_file)."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "pigment_usage.py", "_revC57_pigment_usage")
    (tmp_path / "set").mkdir()  # no manifest: counting it would fail otherwise
    (tmp_path / "out").mkdir()
    with pytest.raises(SystemExit) as exc:
        mod.main([str(tmp_path / "set"), "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert f"cannot write {tmp_path / 'out'}: it is a folder, not a file" in (
        capsys.readouterr().err
    )
