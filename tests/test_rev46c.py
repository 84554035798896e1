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


def test_a_latin1_ripple_header_keeps_its_accented_words(tmp_path):
    """bdcf2f6 decoded .rpl headers through limits.decode_text, UTF-8 with U+FFFD for what is not
    UTF-8, where they had been Latin-1: a Latin-1 header's 'sample Crucifixión' came into the
    cube's metadata as 'Crucifixi\\ufffdn'. A header that is not UTF-8 is Latin-1 again (every
    byte a character); a UTF-8 one stays UTF-8."""
    from xrf_napari.io import read_cube

    head = (
        "width 4\nheight 3\ndepth 64\noffset 0\ndata-length 2\ndata-type unsigned\n"
        "byte-order little-endian\nrecord-by vector\nev-per-chan 20\nsample Crucifixión\n"
    )
    for name, encoding in (("latin1", "latin-1"), ("utf8", "utf-8")):
        (tmp_path / f"{name}.rpl").write_bytes(head.encode(encoding))
        np.zeros((3, 4, 64), "<u2").tofile(tmp_path / f"{name}.raw")
        cube = read_cube(tmp_path / f"{name}.rpl")
        assert cube.metadata["header"]["sample"] == "Crucifixión", name
        assert cube.shape == (3, 4, 64)


def test_generate_and_export_set_name_their_files_on_one_line(tmp_path, capsys):
    """generate's note of small images and its 'wrote ... and .../manifest.json', and
    export-set's 'wrote N cubes ... to OUT', printed the names raw."""
    from PIL import Image

    from xrf_napari.cli.train import main

    images = tmp_path / "imgs"
    images.mkdir()
    Image.fromarray(np.full((20, 20, 3), 128, np.uint8)).save(images / "sm\nall.png")
    out = tmp_path / "se\nt"
    args = ["generate", "--images", str(images), "--out", str(out), "--n-cubes", "1"]
    assert main([*args, "--size", "30", "--workers", "1", "--no-progress"]) == 0
    got = capsys.readouterr()
    assert "(e.g. sm\\nall.png (20 x 20 px))" in _one_line(got.err, "smaller than --size")
    assert "se\\nt/manifest.json" in _one_line(got.out, "wrote 1 cube")
    exported = tmp_path / "ex\nport"
    argv = ["export-set", "--data", str(out), "--format", "h5", "--out", str(exported)]
    assert main([*argv, "--no-progress"]) == 0
    assert "ex\\nport" in _one_line(capsys.readouterr().out, "wrote 1 h5 cube")
