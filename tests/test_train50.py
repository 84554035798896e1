"""Session 50, train50: the training command's progress output, the toy data's and profile
families' resolution ranges, and duplicate paintings in a generate --images folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _rec_argv, setup  # noqa: E402, F401 - fixture


def test_the_embedding_bar_says_it_counts_the_validation_cubes_too(setup, tmp_path, capsys):  # noqa: F811
    """The recolouriser's bar read "embedding training cubes ... 4/4" on a set of 3 training and
    1 validation cube: every cube of --data is embedded, so it names both counts. It also reaches
    the last cube (test_train49's guard, moved here: it ended at 3/4 before 49)."""
    from xrf_napari.cli.train import main

    out = tmp_path / "rec"
    argv = _rec_argv(setup, out, "--steps", "1", "--baseline-steps", "0")
    assert main([a for a in argv if a != "--no-progress"]) == 0
    lines = capsys.readouterr().err.replace("\r", "\n").splitlines()
    bar = [line for line in lines if line.startswith("embedding")]
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["n_val"] >= 1  # the fixture's set has a validation painting
    said = f"embedding cubes ({config['n_train']} training, {config['n_val']} validation)"
    assert bar and bar[-1].startswith(said), bar[-1:]
    assert "4/4" in bar[-1]
