"""Session 65, user65: the command lines run as a new user (a conservator) would, from the docs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _rec_argv, setup  # noqa: E402, F401 - fixture

from xrf_napari.cli.train import main  # noqa: E402


def test_the_recolourisers_baseline_shows_its_progress(setup, tmp_path, capsys):  # noqa: F811
    """`recolouriser --steps 10` ended its SmallUViT bar after 6 s, then trained the per-pixel
    MLP baseline's 1500 default steps for 119 s with nothing on stderr: it looked hung."""
    argv = [a for a in _rec_argv(setup, tmp_path / "rec", "--steps", "1") if a != "--no-progress"]
    assert main(argv + ["--baseline-steps", "3"]) == 0
    err = capsys.readouterr().err
    assert "training per-pixel MLP baseline (--baseline-steps 0 skips it)" in err
    assert "3/3" in err
