"""Session 53, train53: an embedder run refused while loading its cubes leaves no config.json;
a finished checkpoint beside missing results is refused without --resume; the recolouriser
loads its embedder once, on the training device; evaluate reads each cube once."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _emb_argv, setup  # noqa: E402, F401 - fixture

from xrf_napari.cli.train import main  # noqa: E402


def _without_labels(made, tmp_path) -> tuple:
    """`setup` with a copy of its set whose last cube has no region labels: make_pool lists it,
    the pool's load refuses it."""
    import h5py

    from xrf_napari.training.data import list_cubes

    data = tmp_path / "data"
    shutil.copytree(made[1], data)
    with h5py.File(list_cubes(data)[-1], "r+") as f:
        del f["targets/labels"]
    return (made[0], data, *made[2:])


@pytest.mark.parametrize("before", [None, "notes.txt"])
def test_an_embedder_run_refused_while_loading_its_cubes_leaves_no_config(
    setup,  # noqa: F811
    tmp_path,
    capsys,
    before,
):
    """config.json was written before the pool read the cubes, so a cube refused there (no
    labels) left a half-made --out holding config.json alone; it is written once the data is
    read. What --out held before stays."""
    out = tmp_path / "out"
    if before:
        out.mkdir()
        (out / before).write_text("mine", encoding="utf-8")
    assert main(_emb_argv(_without_labels(setup, tmp_path), out)) != 0
    assert "has no /targets/labels" in capsys.readouterr().err
    if before:
        assert sorted(p.name for p in out.iterdir()) == [before]
    else:
        assert not out.exists()
