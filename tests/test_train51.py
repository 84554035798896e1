"""Session 51, train51: generate's image hashing, a resumable embedding pass, and the trainers'
checkpoint name."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_the_checkpoint_is_named_once_for_both_trainers():
    """train_embedder spelt "checkpoint.pt" seven times and train_recolouriser had its own
    CHECKPOINT_NAME: one constant in training.common names the file both write and resume."""
    from xrf_napari.training import common, train_embedder, train_recolouriser

    assert common.CHECKPOINT_NAME == "checkpoint.pt"
    assert train_embedder.CHECKPOINT_NAME is common.CHECKPOINT_NAME
    assert train_recolouriser.CHECKPOINT_NAME is common.CHECKPOINT_NAME
    folder = Path(common.__file__).parent
    spelt = [
        p.name for p in sorted(folder.glob("*.py")) if '"checkpoint.pt"' in p.read_text("utf-8")
    ]
    assert spelt == ["common.py"]


def _paintings(folder: Path, n: int = 3) -> list[str]:
    from PIL import Image

    folder.mkdir()
    for i in range(n):
        Image.new("RGB", (24, 24), (60 * i, 90, 30)).save(folder / f"p{i}.png")
    return [f"p{i}.png" for i in range(n)]


def _read_images(monkeypatch) -> list[str]:
    """The names of the files hashed (check_duplicate_images), one entry a reading."""
    import hashlib

    read, digest = [], hashlib.file_digest

    def counted(fh, name):
        read.append(Path(fh.name).name)
        return digest(fh, name)

    monkeypatch.setattr(hashlib, "file_digest", counted)
    return read


def test_generate_reads_each_painting_once(tmp_path, monkeypatch):
    """generate hashed every --images file twice, when it listed them and again for the
    manifest's split lists (48 MB each time for the shipped paintings): once now."""
    import json

    from xrf_napari.cli.train import main

    names = _paintings(tmp_path / "paintings")
    read = _read_images(monkeypatch)
    out = tmp_path / "set"
    argv = ["generate", "--images", str(tmp_path / "paintings"), "--out", str(out)]
    assert main([*argv, "--n-cubes", "1", "--size", "16", "--workers", "1", "--no-progress"]) == 0
    assert sorted(read) == names
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["test_images"] + manifest["train_images"]) == names


@pytest.mark.parametrize("wrong", [["--kind", "panels"], ["--seed", "-1"]])
def test_generate_refuses_its_options_before_reading_the_paintings(
    tmp_path, monkeypatch, capsys, wrong
):
    """Options generate_dataset refuses (check_options) were refused only after every --images
    file had been hashed: nothing is read before them now."""
    from xrf_napari.cli.train import main

    _paintings(tmp_path / "paintings")
    read = _read_images(monkeypatch)
    argv = ["generate", "--images", str(tmp_path / "paintings"), "--out", str(tmp_path / "set")]
    assert main([*argv, "--n-cubes", "1", "--workers", "1", "--no-progress", *wrong]) != 0
    assert "error" in capsys.readouterr().err
    assert read == []
