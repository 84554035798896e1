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
