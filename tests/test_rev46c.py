"""Session 46 diff review (rev46c): the notes and 'wrote' lines that still printed a file name
raw after 86361ab gave every error line through fileutil.printable: a name holding a line break
split the one line in two."""

import numpy as np
import pytest


def _one_line(err: str, fragment: str) -> str:
    """The stderr line holding `fragment`, after checking it is whole (the name's break escaped)."""
    lines = [ln for ln in err.splitlines() if fragment in ln]
    assert len(lines) == 1, err
    return lines[0]


def test_pigments_one_bit_mask_note_names_its_file_on_one_line(tmp_path, capsys):
    """pigments' note on a 1-bit --labels mask printed the path raw: 'note: --labels .../a' then
    'mask.png: a 1-bit mask: ...' on a line of its own."""
    from PIL import Image

    from xrf_napari.cli.pigments_cmd import read_labels

    path = tmp_path / "a\nmask.png"
    Image.fromarray(np.ones((4, 5), bool)).convert("1").save(path)
    read_labels(path, (4, 5))
    line = _one_line(capsys.readouterr().err, "a 1-bit mask")
    assert line.startswith("note: --labels ") and "a\\nmask.png: a 1-bit mask" in line


def test_a_damaged_latent_cache_note_names_its_file_on_one_line(tmp_path, capsys):
    """The recolouriser trainer's note on a damaged latent cache gave the reason through
    printable but the cache's path raw."""
    from xrf_napari.training.train_recolouriser import _read_cache

    folder = tmp_path / "run\n1"
    folder.mkdir()
    cache = folder / "latent_cache.npz"
    cache.write_bytes(b"not a zip archive")
    assert _read_cache(cache, {}, 1, [], True) is None
    line = _one_line(capsys.readouterr().err, "is damaged or not a latent cache")
    assert "run\\n1/latent_cache.npz is damaged" in line


def test_evaluate_wrote_line_names_its_files_on_one_line(tmp_path, capsys):
    """evaluate's closing 'wrote eval.md, eval.json, recolour_grid.png' printed the folder raw."""
    pytest.importorskip("torch")
    from test_export_evaluate_audit24 import _toy_set

    from xrf_napari.cli.train import main

    data, out = _toy_set(tmp_path / "set", size=32), tmp_path / "ev\nout"
    argv = ["evaluate", "--data", str(data), "--out", str(out), "--device", "cpu"]
    assert main(argv + ["--no-ari", "--no-progress"]) == 0
    line = _one_line(capsys.readouterr().err, "wrote ")
    assert "ev\\nout/eval.md" in line and "ev\\nout/recolour_grid.png" in line
