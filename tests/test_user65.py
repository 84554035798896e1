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


def test_a_ctrl_c_while_the_parsers_are_built_names_the_command(monkeypatch, capsys):
    """`xrf-napari embed` interrupted 0.2 s after its start (load average 12 on 2 cores) said
    "xrf-napari: interrupted": the command was named only once its word had been parsed, where the
    user guide (section 6) says the line names it also while the command loads."""
    from xrf_napari.cli import _dispatch
    from xrf_napari.cli.main import main as cli_main

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(_dispatch, "CommandParser", interrupted)
    assert cli_main(["embed", "scan.h5", "-o", "out"]) == 130
    assert capsys.readouterr().err == "xrf-napari embed: interrupted\n"
