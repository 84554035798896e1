"""Durability and consistency of outputs (session 42): fsync before rename, evaluate's set of
outputs, per-leg runtime records, the CLI's final flush, integer tensors in weights, the
paper-style spectra cache."""

import os
import stat
import warnings
from pathlib import Path

import pytest
from _io_helpers import fsync_fails

from xrf_napari import fileutil


def _record_fsync_and_replace(monkeypatch):
    """Record os.fsync (what the descriptor is: inode, folder or not) and os.replace in order."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        st = os.fstat(fd)
        events.append(("fsync", st.st_ino, stat.S_ISDIR(st.st_mode)))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.stat(src).st_ino, Path(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def test_atomic_path_fsyncs_the_temporary_before_the_rename(tmp_path, monkeypatch):
    events = _record_fsync_and_replace(monkeypatch)
    target = tmp_path / "out.txt"
    with fileutil.atomic_path(target) as tmp:
        tmp.write_text("result", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "result"
    renames = [i for i, e in enumerate(events) if e[0] == "replace" and e[2] == target]
    assert len(renames) == 1
    ino = events[renames[0]][1]
    before = [e for e in events[: renames[0]] if e[0] == "fsync" and e[1] == ino]
    assert before, f"the temporary was not fsynced before its rename: {events}"
    if os.name == "posix":  # the folder's entry after the rename (best effort)
        assert any(e[0] == "fsync" and e[2] for e in events[renames[0] :]), events


def test_atomic_set_fsyncs_each_temporary_before_the_renames(tmp_path, monkeypatch):
    events = _record_fsync_and_replace(monkeypatch)
    with fileutil.atomic_set():
        for name in ("a.json", "b.md"):
            with fileutil.atomic_path(tmp_path / name) as tmp:
                tmp.write_text(name, encoding="utf-8")
    first = min(i for i, e in enumerate(events) if e[0] == "replace")
    synced = {e[1] for e in events[:first] if e[0] == "fsync" and not e[2]}
    renamed = {e[1] for e in events if e[0] == "replace"}
    assert len(renamed) == 2 and renamed <= synced, events
    if os.name == "posix":
        last = max(i for i, e in enumerate(events) if e[0] == "replace")
        assert any(e[0] == "fsync" and e[2] for e in events[last:]), events


def test_fsync_error_of_a_real_disk_fault_names_the_file(tmp_path, monkeypatch):
    import errno

    fsync_fails(monkeypatch, errno.EIO, "Input/output error")
    target = tmp_path / "out.txt"
    with pytest.raises(OSError, match="cannot write .*out.txt: Input/output error"):
        with fileutil.atomic_path(target) as tmp:
            tmp.write_text("x", encoding="utf-8")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary is removed


def test_file_system_without_fsync_still_writes(tmp_path, monkeypatch):
    import errno

    fsync_fails(monkeypatch, errno.EINVAL, "Invalid argument")
    target = tmp_path / "out.txt"
    with fileutil.atomic_path(target) as tmp:
        tmp.write_text("x", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "x"


# -- 2. evaluate writes eval.md, recolour_grid.png and eval.json as one set --------------------
def _evaluate_args(tmp_path, out):
    import argparse

    from xrf_napari.training import evaluate

    p = argparse.ArgumentParser()
    evaluate.configure(p)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return p.parse_args(["--data", str(data), "--out", str(out), "--no-ari", "--no-progress"])


def _fake_evaluate(monkeypatch, tag):
    """evaluate.run without models: evaluate() returns a tiny result and a 4 x 4 grid image."""
    import numpy as np

    from xrf_napari.training import evaluate

    im = {k: np.zeros((4, 4, 3), np.uint8) for k in ("latent", "uvit", "palette", "rgb")}
    im["name"] = "cube_0"
    result = {"_images": [im], "held_out": {"status": "held out", "line": ""}, "tag": tag}
    monkeypatch.setattr(evaluate, "evaluate", lambda *a, **k: dict(result))
    monkeypatch.setattr(evaluate, "format_table", lambda results: f"table {tag}")
    monkeypatch.setattr(evaluate, "format_swatch_table", lambda results: None)


def _old_set(tmp_path, monkeypatch):
    import json

    from xrf_napari.training import evaluate

    out = tmp_path / "out"
    _fake_evaluate(monkeypatch, "old")
    assert evaluate.run(_evaluate_args(tmp_path, out)) == 0
    assert json.loads((out / "eval.json").read_text(encoding="utf-8"))["tag"] == "old"
    return out, {n: (out / n).read_bytes() for n in ("eval.json", "eval.md", "recolour_grid.png")}


@pytest.mark.parametrize("failing", ["md", "grid", "json"])
def test_evaluate_failed_write_leaves_the_earlier_set_whole(tmp_path, monkeypatch, failing):
    from xrf_napari.training import common, evaluate

    out, before = _old_set(tmp_path, monkeypatch)
    _fake_evaluate(monkeypatch, "new")
    if failing == "md":  # the second write of the old order (eval.json, eval.md, grid)
        real = Path.write_text

        def write_text(self, *a, **k):
            if self.name.startswith(".eval.md."):
                raise OSError(28, "No space left on device")
            return real(self, *a, **k)

        monkeypatch.setattr(Path, "write_text", write_text)
    elif failing == "grid":

        def save_grid(*a, **k):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(evaluate, "save_grid", save_grid)
    else:

        def write_json(*a, **k):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(common, "write_json", write_json)
    with pytest.raises(OSError, match="No space left"):
        evaluate.run(_evaluate_args(tmp_path, out))
    after = {n: (out / n).read_bytes() for n in before}
    assert after == before  # the earlier run's set, whole
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporaries left


def test_evaluate_stopped_while_renaming_leaves_no_eval_json(tmp_path, monkeypatch):
    """eval.json's presence marks a complete set: a stop between the renames leaves none."""
    import json

    from xrf_napari.training import evaluate

    out, _ = _old_set(tmp_path, monkeypatch)
    _fake_evaluate(monkeypatch, "new")
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        evaluate.run(_evaluate_args(tmp_path, out))
    assert calls[-1] != "eval.json" and "eval.json" not in calls[:1]
    assert not (out / "eval.json").exists()
    monkeypatch.setattr(os, "replace", real)
    assert evaluate.run(_evaluate_args(tmp_path, out)) == 0  # a rerun makes the whole set
    assert json.loads((out / "eval.json").read_text(encoding="utf-8"))["tag"] == "new"
    assert (out / "eval.md").read_text(encoding="utf-8").startswith("table new")


# -- 3. a resumed training run keeps its first process's runtime and device --------------------
def test_a_second_resume_compares_threads_with_the_last_leg(tmp_path):
    """The warning compares with the process that wrote the checkpoint (the last resume's own
    runtime), not the first leg's kept one; older records (no runtime in the entries, runtime
    overwritten by each resume) compare with "runtime" as before."""
    from xrf_napari.training.common import last_runtime, resumed_record, warn_runtime_change

    first = {"torch_threads": 1, "torch": "2.0"}
    before = {
        "command": "xrf-napari-train embedder ...",
        "runtime": first,
        "device": "cuda",
        "resumes": [{"step": 2, "device": "cpu", "runtime": {"torch_threads": 2, "torch": "2.0"}}],
    }
    assert last_runtime(before) == {"torch_threads": 2, "torch": "2.0"}
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        warn_runtime_change("ckpt", last_runtime(before), {"torch_threads": 2, "torch": "2.0"})
    assert not got
    again = resumed_record(before, "cmd --resume", {"step": 4, "device": "cpu"})
    assert again["runtime"] == first and again["device"] == "cuda"
    assert [r["step"] for r in again["resumes"]] == [2, 4]
    old = {"runtime": {"torch_threads": 3, "torch": "2.0"}, "resumes": [{"step": 2}]}
    assert last_runtime(old) == {"torch_threads": 3, "torch": "2.0"}
    assert last_runtime({}) is None
    assert resumed_record({}, None)["runtime"] is None  # an older checkpoint recorded none


# -- 4. help that cannot be written to the standard output -----------------------------------
class _FullStdout:
    """A standard output on a full disk: every write and flush fails (ENOSPC), as > /dev/full."""

    def write(self, text):
        raise OSError(28, "No space left on device")

    def flush(self):
        raise OSError(28, "No space left on device")

    def fileno(self):
        raise OSError(9, "no descriptor")


@pytest.mark.parametrize("argv", [["--help"], ["info", "--help"]])
def test_help_that_cannot_be_written_is_an_error_not_exit_0(argv, monkeypatch, capsys):
    """argparse ignores an OSError writing --help and exits 0: `xrf-napari info --help >
    /dev/full` exited 0 with nothing written (or 120, "Exception ignored", when buffered)."""
    import sys

    from xrf_napari.cli.main import main

    monkeypatch.setattr(sys, "stdout", _FullStdout())
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "cannot write to standard output: No space left on device" in err


def test_help_to_a_closed_pipe_exits_141(monkeypatch, capsys):
    import sys

    from xrf_napari.cli.main import main

    class Closed(_FullStdout):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    with pytest.raises(SystemExit) as exc:
        main(["info", "--help"])
    assert exc.value.code == 141
    assert "error" not in capsys.readouterr().err


def test_help_and_usage_errors_are_unchanged(capsys):
    from xrf_napari.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["info", "--help"])
    assert exc.value.code == 0 and "usage: xrf-napari info" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["info", "--no-such-option"])
    assert exc.value.code == 2 and "xrf-napari info: error:" in capsys.readouterr().err


def test_help_to_dev_full_exits_2_buffered_or_not(tmp_path):
    """The real command, its help to /dev/full: buffered (met at exit: 120 before) and unbuffered
    (argparse swallowed the error: 0 before)."""
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    for unbuffered in ("", "1"):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        if unbuffered:
            env["PYTHONUNBUFFERED"] = unbuffered
        env["PYTHONPATH"] = str(Path(fileutil.__file__).resolve().parents[1])
        with open("/dev/full", "w", encoding="utf-8") as full:
            done = subprocess.run(
                [sys.executable, "-m", "xrf_napari.cli.main", "info", "--help"],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                timeout=60,
            )
        assert done.returncode == 2, (unbuffered, done.stderr)
        assert "cannot write to standard output" in done.stderr


# -- 5. integer tensors in a weights file ---------------------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_tensors_in_a_weights_file_are_refused_naming_file_and_tensor(tmp_path, dtype):
    """A hand-made file whose tensors are integers loaded silently: the values were copied into
    the float parameters as whole numbers (a model of rounded weights)."""
    torch = pytest.importorskip("torch")
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import WeightsError, load_weights, save_weights

    torch.manual_seed(0)
    model = build_from_config({"hidden": [8]})
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    name = sorted(state)[0]
    state[name] = (state[name] * 10).to(getattr(torch, dtype))
    path = tmp_path / "hand made.safetensors"
    save_weights(state, path, model.config)
    with pytest.raises(WeightsError) as exc:
        load_weights(path)
    msg = str(exc.value)
    assert str(path) in msg and f"tensor {name} holds {dtype} values" in msg
    assert "float" in msg


def test_half_precision_weights_still_load(tmp_path):
    torch = pytest.importorskip("torch")
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import load_weights, save_weights

    model = build_from_config({"hidden": [8]})
    state = {k: v.detach().half() for k, v in model.state_dict().items()}
    save_weights(state, tmp_path / "half.safetensors", model.config)
    loaded, _ = load_weights(tmp_path / "half.safetensors")
    assert all(v.dtype == torch.float16 for v in loaded.values())


# -- 6. a pigment table rewritten at the same path -----------------------------------------
def _rewrite_same_size(path, old, new):
    """Replace `old` by `new` (same length) in the table and move its mtime on by a second:
    the same path and size, another version (as an edit in a notebook session)."""
    assert len(old) == len(new)
    st = os.stat(path)
    data = path.read_bytes()  # bytes: the table's line ends kept
    assert old.encode() in data
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert os.stat(path).st_size == st.st_size


def test_a_table_rewritten_at_the_same_path_gives_its_new_pigments_and_spectra(
    tmp_path, monkeypatch
):
    """The paper-style spectra cache (and the table's rows under it) were keyed by the table's
    path: a table rewritten at that path in one process gave the old table's spectra."""
    import shutil
    from importlib import resources

    import numpy as np

    from xrf_napari.physics import spectrum
    from xrf_napari.physics.pigments import get_pigment, use_table
    from xrf_napari.synth import paper_style as ps

    class Model:  # a layer stack's "spectrum": its paint layer's density (no physics: fast)
        def __init__(self, profile):
            pass

        def fine(self, layers):
            return layers

        def detect(self, layers):
            return np.array([1.0, layers[0].density])

    monkeypatch.setattr(spectrum, "SpectrumModel", Model)
    table = tmp_path / "pigments.csv"
    shutil.copy(resources.files("xrf_napari").joinpath("data/pigments.csv"), table)
    white = [p.name for p in ps.database_pigments()].index("Lead white")
    with use_table(table):
        assert get_pigment("Lead white").density == 6.7
        before = ps.pigment_spectra()[white].copy()
    _rewrite_same_size(table, "Pb,#e9e1c4", "Pb,#e9e1c5")  # its colour
    _rewrite_same_size(table, "Cu,6.7,Pb", "Cu,9.7,Pb")  # and its density
    with use_table(table):
        assert get_pigment("Lead white").srgb_hex == "#e9e1c5"
        assert get_pigment("Lead white").density == 9.7
        after = ps.pigment_spectra()[white]
    assert after[1] > before[1]  # the denser paint layer of the new table (was the old array)
