"""Session 48 (b): embed's K refused before the model, outputs through symbolic links, --tile,
--val, --device "", io.hdf5.open_hdf5 and quicklook's names of a dashed scan, as a user meets
them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xrf_napari.cli.main import main

SRC = Path(__file__).resolve().parents[1] / "src" / "xrf_napari"


def _scan(path: Path, hw=(5, 5)) -> Path:
    np.save(path, np.random.default_rng(0).poisson(5, (*hw, 256)).astype(np.float32))
    return path


def test_embed_refuses_more_regions_than_pixels_before_the_model(tmp_path, monkeypatch, capsys):
    """`embed small25.npy --clusters 26` loaded the model and embedded the scan, then K-Means
    refused 26 regions for 25 pixels; the Embed dock refuses it before the model loads."""
    from xrf_napari.analysis import embed

    def no_model(*a, **k):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(embed, "load_embedder", no_model)
    scan = _scan(tmp_path / "small25.npy")
    argv = ["embed", str(scan), "-o", str(tmp_path / "o"), "--clusters", "26", "--no-progress"]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "xrf-napari embed: error: --clusters 26: cannot make 26 regions from 25 pixels: ask for "
        "at most 25, or let K be chosen"
    )
    assert not (tmp_path / "o").exists()


def test_an_output_that_is_a_symbolic_link_is_written_through_it(tmp_path):
    """`-o link.png`, a link to a file, replaced the link by a file and left the file it led to
    with the old result: the atomic write now writes the file linked to, the link kept."""
    from xrf_napari import fileutil

    real = tmp_path / "real"
    real.mkdir()
    target = real / "t.png"
    target.write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    fileutil.check_outputs(files=[link])
    with fileutil.atomic_path(link) as tmp:
        assert tmp.parent == real  # beside the target: one file system for the rename
        tmp.write_bytes(b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    with fileutil.atomic_set():  # a set (embed, quicklook) alike
        with fileutil.atomic_path(link) as tmp:
            tmp.write_bytes(b"set")
    assert link.is_symlink() and target.read_bytes() == b"set"
    assert sorted(p.name for p in real.iterdir()) == ["t.png"]  # no temporary left


def test_an_output_link_to_a_file_not_made_yet_makes_it_where_its_folder_is(tmp_path):
    """A link to a file not made yet is written through as a shell's `>` does; one leading into
    a folder that does not exist is refused naming both."""
    from xrf_napari import fileutil

    (tmp_path / "d").mkdir()
    link = tmp_path / "later.png"
    link.symlink_to(tmp_path / "d" / "made.png")
    with fileutil.atomic_path(link) as tmp:
        tmp.write_bytes(b"x")
    assert link.is_symlink() and (tmp_path / "d" / "made.png").read_bytes() == b"x"
    nowhere = tmp_path / "nowhere.png"
    nowhere.symlink_to(tmp_path / "missing" / "x.png")
    with pytest.raises(fileutil.OutputError, match="whose folder does not exist"):
        fileutil.check_outputs(files=[nowhere])
    assert not (tmp_path / "missing").exists()


def test_an_output_file_that_is_a_loop_of_links_is_refused_before_the_work(tmp_path):
    """A loop of links given as an output file was replaced by the result (the rename over the
    link) unsaid; it is refused by the check before the compute, naming it."""
    from xrf_napari import fileutil

    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)
    with pytest.raises(fileutil.OutputError) as exc:
        fileutil.check_outputs(files=[loop])
    assert str(exc.value) == (
        f"cannot write {loop}: it is a loop of symbolic links (it leads back to itself): remove "
        "it, or choose another output"
    )
    assert loop.is_symlink()


@pytest.mark.parametrize("command", ["quicklook", "embed"])
def test_an_output_folder_that_is_a_loop_of_links_is_named(tmp_path, monkeypatch, capsys, command):
    """A loop of links given as quicklook's or embed's folder said a bare "[Errno 40] Too many
    levels of symbolic links: 'loop'"; a link to a folder that does not exist, "[Errno 2]"."""
    import os

    monkeypatch.chdir(tmp_path)
    scan = _scan(tmp_path / "s.npy", (20, 20))
    os.symlink("loop", "loop")
    os.symlink("nothere", "dangling")
    assert main([command, str(scan), "-o", "loop", "--no-progress"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"xrf-napari {command}: error: -o loop: it is a loop of symbolic links (it leads "
        "back to itself): remove it, or choose another output"
    )
    assert main([command, str(scan), "-o", "dangling", "--no-progress"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"xrf-napari {command}: error: -o dangling: is a symbolic link to nothere, which "
        f"does not exist; {command} writes several files into a folder: create that folder, or "
        "give another"
    )


@pytest.mark.parametrize("tile", ["8", "24"])
def test_recolour_tile_not_a_multiple_of_the_patch_is_refused_before_the_scan(
    tmp_path, monkeypatch, capsys, tile
):
    """--tile took 8 as its minimum, which the shipped model (patch 16) always refused, and
    only after the scan was read and the model loaded; the weights' own patch size is asked
    before the scan is read."""
    from xrf_napari.cli import _args

    def no_read(*a, **k):
        raise AssertionError("the scan was read")

    monkeypatch.setattr(_args, "read_scan", no_read)
    scan = _scan(tmp_path / "s.npy", (20, 20))
    argv = ["recolour", str(scan), "-o", str(tmp_path / "r.png"), "--tile", tile]
    assert main([*argv, "--no-progress"]) == 2
    near = "16" if tile == "8" else "16 or 32"
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"xrf-napari recolour: error: --tile {tile}: tile {tile} must be a multiple of the patch "
        f"size 16 (the recolouriser's): give {near}"
    )


def test_recolour_tile_help_reads_the_shipped_patch(capsys):
    """A guard: --tile's help says the shipped model's patch size as its config gives it."""
    from xrf_napari.models.weights import manifest

    with pytest.raises(SystemExit):
        main(["recolour", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    patch = manifest()["uvit"]["config"]["patch"]
    assert f"a multiple of the model's patch size ({patch} for the shipped weights)" in help_text


@pytest.fixture(scope="module")
def one_cube_set(tmp_path_factory):
    from xrf_napari.cli.train import main as train_main

    out = tmp_path_factory.mktemp("set48b") / "set"
    args = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--workers", "1"]
    assert train_main([*args, "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("option", ["--val", "--data"])
def test_train_embedder_names_a_bad_val_or_data_folder(tmp_path, capsys, option, one_cube_set):
    """`xrf-napari-train embedder --val nowhere` said "dataset folder nowhere does not exist",
    naming no option (--data alike)."""
    from xrf_napari.cli.train import main as train_main

    folders = {"--data": str(one_cube_set), "--val": str(tmp_path / "nowhere")}
    if option == "--data":
        folders = {"--data": str(tmp_path / "nowhere"), "--val": str(one_cube_set)}
    argv = ["embedder", "--out", str(tmp_path / "o"), "--no-progress"]
    for k, v in folders.items():
        argv += [k, v]
    assert train_main(argv) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"xrf-napari-train embedder: error: {option}: dataset folder {tmp_path / 'nowhere'} does "
        "not exist"
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["embed", "recolour"])
def test_an_empty_device_is_refused_with_the_choices(tmp_path, capsys, command):
    """`--device "$DEV"` with DEV unset ran on auto's choice, unsaid."""
    scan = _scan(tmp_path / "s.npy", (20, 20))
    out = str(tmp_path / ("r.png" if command == "recolour" else "o"))
    with pytest.raises(SystemExit) as exc:
        main([command, str(scan), "-o", out, "--device", ""])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"xrf-napari {command}: error: argument --device: is empty (an unset variable?); use "
        "auto, cpu, cuda, cuda:N (N a GPU number) or mps"
    )


def test_hdf5_files_are_opened_through_a_public_name():
    """The trainers, export-set and pigments imported io.hdf5's private _open (and
    _broken_link): one public open_hdf5 (and broken_link) for every reader."""
    import re

    from xrf_napari.io import hdf5

    assert callable(hdf5.open_hdf5) and callable(hdf5.broken_link)
    private = re.compile(r"from \.+io\.hdf5 import [^\n]*\b_(open|broken_link)\b")
    users = [p for p in SRC.rglob("*.py") if private.search(p.read_text(encoding="utf-8"))]
    assert users == []


def test_quicklook_names_of_a_dashed_scan_start_without_the_dash(tmp_path, monkeypatch, capsys):
    """quicklook of "-my scan.npy" wrote "-my scan_sum_spectrum.png", which every command then
    read as an option (ours refused it bare); the names drop leading dashes as they drop dots."""
    from xrf_napari.analysis.export import file_stem

    monkeypatch.chdir(tmp_path)
    _scan(tmp_path / "-my scan.npy", (4, 4))
    assert main(["quicklook", "./-my scan.npy", "-o", "ql", "--no-progress"]) == 0
    assert [p.name for p in Path("ql").iterdir()] == ["my scan_sum_spectrum.png"]
    assert [file_stem(n) for n in ("--x", " - .x", "-", "a-b")] == ["x", "x", "scan", "a-b"]
