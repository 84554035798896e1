"""Session 51, train51b: the recolouriser's embedding parts (a leftover folder removed, the stop
counting only the parts a rerun uses) and the trainers' warnings through warnings.warn."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import setup  # noqa: E402, F401 - fixture
from test_train51 import _embed_calls  # noqa: E402


def test_a_parts_folder_left_beside_a_valid_cache_is_removed(setup, tmp_path, monkeypatch):  # noqa: F811
    """A run killed between the cache's write and the parts folder's removal left the folder for
    good: every later run found the valid cache and returned before touching it. The run that
    finds the cache removes its part files and the folder, and nothing else of it."""
    from xrf_napari.training import train_recolouriser as tr

    _, data, dve, _, _ = setup
    cache = tmp_path / "out" / tr.CACHE_NAME
    tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    parts = tr.parts_folder(cache)
    parts.mkdir()  # as the kill leaves it
    (parts / "cube_0000.npz").write_bytes(b"x")
    calls = _embed_calls(monkeypatch)
    tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    assert not calls and not parts.exists()
    parts.mkdir()  # a file that is no part stays, and so does its folder
    (parts / "cube_0000.npz").write_bytes(b"x")
    (parts / "notes.txt").write_text("mine", encoding="utf-8")
    tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    assert [p.name for p in parts.iterdir()] == ["notes.txt"]


def test_the_stop_counts_only_the_parts_a_rerun_uses(setup, tmp_path, monkeypatch, capsys):  # noqa: F811
    """The stop's "the latents of K of n cubes stay" counted every .npz of the parts folder: a
    removed cube's part, another embedder's, a damaged one too, so that K exceeded n."""
    import json

    import numpy as np

    from xrf_napari.training import train_recolouriser as tr

    _, data, dve, _, _ = setup
    cache = tmp_path / "out" / tr.CACHE_NAME
    parts = tr.parts_folder(cache)
    _embed_calls(monkeypatch, stop_at=2)
    with pytest.raises(KeyboardInterrupt):
        tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    (first,) = parts.glob("*.npz")
    shutil.copy(first, parts / "a_removed_cube.npz")
    with np.load(first) as z:
        arrays = dict(z)
    key = json.loads(str(arrays["key"]))
    key["embedder_sha256"] = "0" * 64
    np.savez(parts / "another_embedders.npz", **{**arrays, "key": np.array(json.dumps(key))})
    (parts / "damaged.npz").write_bytes(b"x")
    capsys.readouterr()
    _embed_calls(monkeypatch, stop_at=2)  # the first cube's part used, the second embedded
    with pytest.raises(KeyboardInterrupt):
        tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    err = capsys.readouterr().err
    assert "the latents of 2 of 4 cubes stay in " in err, err


@pytest.mark.parametrize("which", ["runtime", "stream"])
def test_the_trainers_resume_warnings_are_warnings(which):
    """The trainers printed bare "warning: ..." lines where the xrf-napari commands warn through
    warnings.warn, which cli._dispatch prints "xrf-napari-train CMD: warning: ..."."""
    from xrf_napari.training import common

    with pytest.warns(UserWarning, match="--resume: ckpt.pt") as got:
        if which == "runtime":
            common.warn_runtime_change("ckpt.pt", {"torch_threads": 1}, {"torch_threads": 2})
        else:
            common.warn_stream_moved("ckpt.pt", "cpu")
    assert not str(got[0].message).startswith("warning:")


def test_a_real_xrf_napari_train_command_prints_its_warning_with_its_name(tmp_path):
    """The line a user sees: the command's name before "warning:", no Python source echo."""
    import subprocess

    code = (
        "import sys\n"
        "from xrf_napari.cli import _dispatch\n"
        "from xrf_napari.training import common\n"
        "_dispatch._run = lambda *a: common.warn_stream_moved('ckpt.pt', 'cpu') or 0\n"
        "sys.argv = ['xrf-napari-train', 'embedder', '--data', '.', '--out', 'o']\n"
        "from xrf_napari.cli.train import main\n"
        "sys.exit(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "xrf-napari-train embedder: warning: --resume: ckpt.pt was written by a run on another "
        "kind of device than this one (cpu): its random stream cannot continue here, so a new one "
        "starts from the seed and step; the weights will not be bit-identical to an "
        "uninterrupted run's"
    ], done.stderr
