"""Session 65, user65: the command lines run as a new user (a conservator) would, from the docs."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


def test_the_recolourisers_baseline_shows_its_progress(tmp_path, capsys):
    """`recolouriser --steps 10` ended its SmallUViT bar after 6 s, then trained the per-pixel
    MLP baseline's 1500 default steps for 119 s with nothing on stderr: it looked hung. (The real
    baseline fit, 3 steps on one 8 x 8 painting: the command's toy run took 19 s.)"""
    import types

    import numpy as np

    from xrf_napari.training import train_recolouriser

    rng = np.random.default_rng(0)
    run = types.SimpleNamespace(
        cfg={"baseline_steps": 3, "seed": 0, "target": "rgb"},
        latents=[rng.standard_normal((8, 8, 3)).astype(np.float32)],
        targets=[rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)],
        train_idx=[0],
        val_idx=[],
        device="cpu",
        mean=None,
        std=None,
        show=True,  # as the command without --no-progress
        public={"sources": [], "files_sha1": ""},
        out=tmp_path,
    )
    assert train_recolouriser._fit_baseline(run)["baseline"]["steps"] == 3
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


def test_a_trainers_stop_lines_name_the_command(capsys):
    """Ctrl-C 9 s into `xrf-napari-train embedder` said "xrf-napari-train: SIGINT: stopping ..."
    and "xrf-napari-train: interrupted at step 9; ...", where every other line of the command
    (and `generate`'s "xrf-napari-train generate: interrupted") names it."""
    import signal

    from xrf_napari.argtypes import parsing
    from xrf_napari.training.common import StopSignals

    stop = StopSignals()
    with parsing(["--data", "d", "--out", "o"], "xrf-napari-train embedder"):
        stop._handle(signal.SIGINT, None)
        code = stop.stop("o/checkpoint.pt", 9).code
    assert code == 130
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("xrf-napari-train embedder: SIGINT: stopping after this step"), err
    assert err[1].startswith("xrf-napari-train embedder: interrupted at step 9; checkpoint"), err


def test_a_weights_folder_that_is_no_folder_is_warned_of_once(tmp_path, monkeypatch):
    """XRF_NAPARI_WEIGHTS=/nonexistent (a mistyped folder) made `xrf-napari recolour` use the
    shipped pair without a word, exit 0. A folder holding one model alone still gives the shipped
    other without a warning (a guard: that layout is documented)."""
    import warnings

    from xrf_napari.models.weights import WEIGHTS_ENV, resolve_weights

    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "mistyped"))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        shipped = [resolve_weights("dve")[0], resolve_weights("dve")[0]]
    assert shipped[0] == shipped[1] and shipped[0].parent.name == "weights"
    assert [str(w.message) for w in said] == [
        f"${WEIGHTS_ENV} names {tmp_path / 'mistyped'}, which is no folder: the shipped "
        "dve.safetensors is used"
    ]
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))  # a folder without dve.safetensors
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        resolve_weights("dve")
    assert said == []
