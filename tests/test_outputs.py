"""Outputs (issue 16): no command overwrites its input, an unwritable output fails before any
compute, temporaries never outlive their writer, results get a plain file's permissions."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tifffile = pytest.importorskip("tifffile")

from _cli_models import save_tiny_models, weights_args, write_toy_scan  # noqa: E402

from xrf_napari import fileutil
from xrf_napari.cli.main import main
from xrf_napari.cli.train import main as train_main
from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
from xrf_napari.fileutil import atomic_path
from xrf_napari.io.project_h5 import write_cube
from xrf_napari.models.weights import save_weights
from xrf_napari.training.toy_data import toy_cube

SRC = str(Path(fileutil.__file__).resolve().parents[1])  # the package under test, wherever it is


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A TIFF stack and a project HDF5 cube of the same toy scan, and small DVE/UViT weights."""
    d = tmp_path_factory.mktemp("outputs")
    counts = write_toy_scan(d / "scan.h5", 20, 24, n_regions=3)[1]
    tifffile.imwrite(
        d / "stack.tif", np.ascontiguousarray(counts.transpose(2, 0, 1))
    )  # one page per channel
    save_tiny_models(
        d, {"img_size": 16, "patch": 8, "dim": 18, "depth": 1, "heads": 9, "mlp_ratio": 2.0}
    )
    return d


def _weights(d):
    return weights_args(d)


# -- 1. no command can overwrite its input ---------------------------------------------------------
@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_recolour_refuses_an_output_that_is_its_input(files, tmp_path, capsys, how):
    src = tmp_path / "stack.tif"
    src.write_bytes((files / "stack.tif").read_bytes())
    before = src.read_bytes()
    out = {"same path": src, "symlink": tmp_path / "link.tif", "hard link": tmp_path / "hard.tif"}[
        how
    ]
    if how == "symlink":
        out.symlink_to(src)
    elif how == "hard link":
        os.link(src, out)
    assert main(["recolour", str(src), "-o", str(out)] + _weights(files)) == 2
    err = capsys.readouterr().err
    assert "input" in err and "Traceback" not in err
    assert src.read_bytes() == before and out.read_bytes() == before


def test_embed_and_quicklook_refuse_the_input_as_output_folder(files, capsys, no_compute):
    """Refused before the cube is read (no_compute), not merely fast: a refusal after a warm
    compute (0.6 s) passed a 1 s bound (benchmarks audit 28, finding 8)."""
    for argv in (
        [
            "embed",
            str(files / "scan.h5"),
            "-o",
            str(files / "scan.h5"),
            "--weights",
            str(files / "dve.safetensors"),
            "--device",
            "cpu",
            "--no-progress",
        ],
        ["quicklook", str(files / "scan.h5"), "-o", str(files / "scan.h5")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is, or lies inside, the input" in err and "Errno 17" not in err


def test_ripple_data_file_and_folder_inputs_are_guarded(tmp_path):
    OutputError, check_outputs = fileutil.OutputError, fileutil.check_outputs
    (tmp_path / "scan.rpl").write_text("(MMSA_HEADER)\n")
    (tmp_path / "scan.RAW").write_bytes(b"\0" * 8)
    with pytest.raises(OutputError, match="scan.RAW"):
        check_outputs(files=[tmp_path / "scan.RAW"], inputs=[tmp_path / "scan.rpl"])
    with pytest.raises(OutputError, match="scan.rpl"):
        check_outputs(files=[tmp_path / "scan.rpl"], inputs=[tmp_path / "scan.RAW"])
    zarr_dir = tmp_path / "scan.zarr"
    zarr_dir.mkdir()
    with pytest.raises(OutputError, match="inside"):
        check_outputs(folders=[zarr_dir / "maps"], inputs=[zarr_dir])
    check_outputs(
        files=[tmp_path / "scan.png"], folders=[tmp_path / "new"], inputs=[tmp_path / "scan.rpl"]
    )


def test_training_commands_refuse_to_write_over_their_inputs(files, tmp_path, monkeypatch, capsys):
    import xrf_napari.training.train_embedder as te
    import xrf_napari.training.train_recolouriser as tr
    from xrf_napari.synth import dataset

    def never(*a, **k):
        raise AssertionError("the command computed before refusing its output")

    monkeypatch.setattr(te, "train", never)
    monkeypatch.setattr(tr, "embed_dataset", never)
    monkeypatch.setattr(dataset, "generate_dataset", never)
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "config.json").write_text("{}")
    images = tmp_path / "images"
    images.mkdir()
    from PIL import Image

    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(images / "a.png")
    for argv in (
        ["embedder", "--data", str(data), "--out", str(data), "--steps", "1"],
        [
            "embedder",
            "--data",
            str(data),
            "--out",
            str(tmp_path),
            "--config",
            str(tmp_path / "config.json"),
        ],
        ["recolouriser", "--data", str(data), "--out", str(data / "run"), "--steps", "1"],
        ["generate", "--images", str(images), "--out", str(images), "--n-cubes", "1"],
    ):
        assert train_main(argv) == 2, argv
        assert "input" in capsys.readouterr().err
    assert (tmp_path / "config.json").read_text() == "{}"


# -- 2. an unwritable output fails before any compute ----------------------------------------------
@pytest.fixture
def no_compute(monkeypatch):
    from xrf_napari import io

    def never(*a, **k):
        raise AssertionError("the cube was read before the output was checked")

    monkeypatch.setattr(io, "read_cube", never)


def test_unwritable_outputs_fail_fast_with_one_line(files, tmp_path, capsys, no_compute):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    a_dir = tmp_path / "folder.png"
    a_dir.mkdir()
    cases = [
        (["recolour", str(files / "scan.h5"), "-o", str(a_file / "out.png")], "not a folder"),
        (["recolour", str(files / "scan.h5"), "-o", str(a_dir)], "a folder, not a file; give a"),
        (["embed", str(files / "scan.h5"), "-o", str(a_file / "res")], "not a folder"),
        (["embed", str(files / "scan.h5"), "-o", str(a_file / "deeper" / "pre_")], "not a folder"),
        (["quicklook", str(files / "scan.h5"), "-o", str(a_file)], "not a folder"),
    ]
    for argv, why in cases:
        assert main(argv) == 2, argv  # before any compute: no_compute
        err = capsys.readouterr().err
        assert why in err and len(err.strip().splitlines()) == 1, err


def test_missing_output_folders_are_created(files, tmp_path):
    out = tmp_path / "new" / "deeper" / "rgb.png"
    assert main(["recolour", str(files / "scan.h5"), "-o", str(out)] + _weights(files)) == 0
    assert out.is_file()


def test_read_only_folder_is_refused(tmp_path, capsys, no_compute):
    """chmod 0555 as a normal user; root writes anywhere, so as root the folder is made
    immutable."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        undo = [lambda: ro.chmod(0o755)]
    elif (
        shutil.which("chattr")
        and subprocess.run(["chattr", "+i", str(ro)], capture_output=True, check=False).returncode
        == 0
    ):
        undo = [lambda: subprocess.run(["chattr", "-i", str(ro)], check=True)]
    else:
        pytest.skip("running as root without chattr: no folder is read-only to this process")
    try:
        assert main(["recolour", "scan.h5", "-o", str(ro / "rgb.png")]) == 2  # no_compute
        assert main(["quicklook", "scan.h5", "-o", str(ro / "maps")]) == 2
    finally:
        undo[0]()
    err = capsys.readouterr().err
    assert err.count("is not writable") == 2 and "Traceback" not in err


# -- 3. temporaries never outlive their writer -----------------------------------------------------
WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from xrf_napari.fileutil import atomic_path
    with atomic_path(sys.argv[2]) as tmp:
        tmp.write_bytes(b"half")
        print(tmp, flush=True)
        time.sleep(120)
""")


def _start_writer(target):
    p = subprocess.Popen(
        [sys.executable, "-c", WRITER, SRC, str(target)], stdout=subprocess.PIPE, text=True
    )
    tmp = Path(p.stdout.readline().strip())
    assert tmp.is_file() and tmp.name.startswith(".checkpoint.pt.")
    return p, tmp


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    from xrf_napari.training.common import load_checkpoint, save_checkpoint

    target = tmp_path / "checkpoint.pt"
    killed, stale = _start_writer(target)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert stale.exists()  # kill -9 gives no chance to clean up
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    live_tmp = (
        tmp_path / f"{fileutil.temp_prefix('checkpoint.pt', alive.pid)}k9x2.pt"
    )  # a running writer's
    live_tmp.write_bytes(b"being written")
    try:
        save_checkpoint(target, model={}, optimizer={}, step=3)
        assert not stale.exists()  # a dead writer's leftover is removed
        assert live_tmp.exists()  # a live writer's temporary is not touched
        assert load_checkpoint(target)["step"] == 3
    finally:
        alive.kill()
        alive.wait()


def test_a_command_removes_its_outputs_leftovers_when_it_starts(tmp_path, capsys):
    dead = _dead_pid()
    leftovers = [
        tmp_path / f"{fileutil.temp_prefix('rgb.png', dead)}abc.png",
        tmp_path / "maps" / f"{fileutil.temp_prefix('scan_Fe_Ka.png', dead)}abc.png",
    ]
    other = (
        tmp_path / f"{fileutil.temp_prefix('notes.txt', dead)}abc.txt"
    )  # not an output of the command
    for p in [*leftovers, other]:
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"half")
    main(["recolour", str(tmp_path / "missing.h5"), "-o", str(tmp_path / "rgb.png")])
    main(["quicklook", str(tmp_path / "missing.h5"), "-o", str(tmp_path / "maps")])
    assert "missing.h5" in capsys.readouterr().err
    assert not any(p.exists() for p in leftovers) and other.exists()


def test_sigterm_and_errors_remove_the_temporary(tmp_path):
    cmd = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, sys.argv[1])
        from xrf_napari.cli._dispatch import dispatch
        sys.argv = ["t", "w", sys.argv[2]]
        sys.exit(dispatch("t", "", {"w": ("writer_cmd", "write slowly")}))
    """)
    (tmp_path / "writer_cmd.py").write_text(
        textwrap.dedent("""
        import time
        from xrf_napari.fileutil import atomic_path
        def configure(p):
            p.add_argument("out")
        def run(args):
            with atomic_path(args.out) as tmp:
                tmp.write_bytes(b"half")
                print(tmp, flush=True)
                for _ in range(2400):  # short sleeps: Python checks for the signal between them
                    time.sleep(0.05)
    """)
    )
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{SRC}")
    p = subprocess.Popen(
        [sys.executable, "-c", cmd, SRC, str(tmp_path / "out.bin")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    tmp = Path(p.stdout.readline().strip())
    assert tmp.is_file()
    p.send_signal(signal.SIGTERM)
    try:  # CI once saw no exit within 30 s of one long sleep (stop 42); never here in 80 tries
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        pytest.fail(f"no exit 60 s after SIGTERM; its stderr: {err!r}")
    assert (p.returncode, err) == (128 + signal.SIGTERM, "t w: terminated\n")
    assert not tmp.exists() and not (tmp_path / "out.bin").exists()

    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.h5") as t:
        t.write_bytes(b"partial")
        raise RuntimeError("writer failed")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".x.h5")]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_training_ignores_and_generate_removes_half_written_cubes(tmp_path):
    import json

    from xrf_napari.synth.dataset import (
        GenerateConfig,
        _manifest_head,
        cube_name,
        generate_dataset,
    )
    from xrf_napari.training.data import list_cubes

    counts, labels, meta = toy_cube(16, 16, n_regions=2, seed=0)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    write_cube(tmp_path / cube_name(0), counts, cal, targets={"labels": labels}, metadata=meta)
    stale = tmp_path / f"{fileutil.temp_prefix(cube_name(1), _dead_pid())}abc123.h5"
    stale.write_bytes(b"\x89HDF\r\n half a cube")
    old_style = (
        tmp_path / f".{cube_name(2)}.q1w2e3.h5"
    )  # an older version's temporary: kept, ignored
    old_style.write_bytes(b"junk")
    assert list_cubes(tmp_path) == [tmp_path / cube_name(0)]
    cfg = GenerateConfig(out=str(tmp_path), n_cubes=1, size=16)
    # a killed run's folder: the manifest of its options (written first), then its cubes
    (tmp_path / "manifest.json").write_text(json.dumps(_manifest_head(cfg, None)))
    generate_dataset(cfg, workers=1, progress=False)
    assert not stale.exists()
    assert list_cubes(tmp_path) == [tmp_path / cube_name(0)]


def test_a_sets_native_channel_copies_are_not_more_cubes(tmp_path):
    """`generate --native` writes cube_00000_native.h5 beside cube_00000.h5: training and evaluate
    saw each painting twice."""
    from xrf_napari.training.data import list_cubes

    for name in ("cube_00000.h5", "cube_00000_native.h5", "scan_native.h5"):
        (tmp_path / name).write_bytes(b"")
    assert list_cubes(tmp_path) == [tmp_path / "cube_00000.h5", tmp_path / "scan_native.h5"]


# -- 4. results are 0666 & ~umask, like any file ---------------------------------------------------
@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_outputs_get_plain_file_permissions(files, tmp_path, mask):
    from xrf_napari.analysis.recolour import save_rgb
    from xrf_napari.training.common import save_checkpoint, write_json

    old = os.umask(mask)
    try:
        save_weights({"w": torch.zeros(2)}, tmp_path / "w.safetensors", {})
        save_checkpoint(tmp_path / "checkpoint.pt", model={}, optimizer={}, step=0)
        write_json(tmp_path / "m.json", {})
        save_rgb(tmp_path / "rgb.png", np.zeros((4, 4, 3), np.uint8))
    finally:
        os.umask(old)
    for name in ("w.safetensors", "checkpoint.pt", "m.json", "rgb.png"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def test_atomic_set_moves_its_files_into_place_together_or_not_at_all(tmp_path):
    """A set of outputs (a report's files) interrupted half-way keeps the earlier set whole."""
    from xrf_napari.fileutil import atomic_path, atomic_set

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    b.write_text("old b")
    with pytest.raises(KeyboardInterrupt), atomic_set():
        with atomic_path(a) as tmp:
            tmp.write_text("new a")
        assert a.read_text() == "old a"  # finished, but not in place before the set is
        raise KeyboardInterrupt
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]  # no temporary left
    with atomic_set():
        with atomic_path(a) as tmp:
            tmp.write_text("new a")
        with atomic_set(), atomic_path(b) as tmp:  # a nested set joins the outer one
            tmp.write_text("new b")
        assert b.read_text() == "old b"
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
