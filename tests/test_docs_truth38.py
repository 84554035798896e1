"""Menu paths the user is told to follow exist in napari (docs audit, session 38).

The mixed-axes warning and the user guide sent users to *File > New Window*, which napari (>= 0.6,
as pyproject requires) does not have; the File menu's items are read from napari itself, so a
path that napari renames or drops fails here, not in a user's hands."""

import re
from pathlib import Path

import pytest

import xrf_napari

#: The checkout whose code is imported (src/xrf_napari/..), so that its docs are the ones read.
ROOT = Path(xrf_napari.__file__).resolve().parents[2]
#: What follows "File > " in prose, a table or a string: it must start with a File menu item.
FILE_PATH = re.compile(r"File > ([^\n]{0,40})")


def _file_menu_items() -> set[str]:
    """Titles of napari's File menu (actions and submenus), without their trailing '...'."""
    qfile = pytest.importorskip("napari._qt._qapp_model.qactions._file")
    from napari._app_model.actions import _file

    titles = [a.title for name in dir(qfile) if name.startswith("Q_") for a in getattr(qfile, name)]
    titles += [a.title for a in _file.FILE_ACTIONS]
    titles += [item.title for _menu, item in _file.FILE_SUBMENUS]
    return {t.rstrip(".") for t in titles}


def _named_items(text: str) -> list[str]:
    """What each "File > ..." of `text` names (the text after it, cut at its end of line)."""
    return FILE_PATH.findall(text)


def _unknown(named: list[str], items: set[str]) -> list[str]:
    """Those of `named` that start with no File menu item (whatever follows it: '…', '*')."""
    return sorted({m for m in named if not any(m.startswith(i) for i in items)})


def test_the_mixed_axes_warning_names_no_menu_item_napari_lacks(monkeypatch):
    from xrf_napari import _reader

    class Layer:
        name = "uncal"
        metadata = {"xrf_cube": True}
        axis_labels = ("channel", "y", "x")

    class Viewer:
        layers = [Layer()]

    said = []
    monkeypatch.setattr(_reader, "_current_viewers", lambda: [Viewer()])
    monkeypatch.setattr(_reader, "_notify", lambda message, level="error": said.append(message))
    _reader._warn_mixed_axes("painted", "energy")
    (message,) = said
    assert "mixes keV and channel numbers" in message
    items = _file_menu_items()
    assert _unknown(_named_items(message), items) == []


@pytest.mark.parametrize("doc", ["README.md", "docs/user_guide.md"])
def test_the_docs_name_only_file_menu_items_napari_has(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    named = _named_items(text)
    assert named, "the test's pattern finds no File menu path: it no longer reads the doc"
    items = _file_menu_items()
    assert _unknown(named, items) == []


def test_an_embedder_resumed_with_another_batch_names_the_batch_option(tmp_path, capsys):
    """docs/training.md: a resume with other settings is refused, naming them. --batch is stored
    as pixels_per_cube_batch (--batch / cubes_per_batch), and the refusal named only that key,
    which the user never typed."""
    import json

    pytest.importorskip("torch")
    from _cli_models import tiny_embedder_config

    from xrf_napari.cli.train import main
    from xrf_napari.training.toy_data import write_toy_dataset

    data = write_toy_dataset(tmp_path / "data", n_cubes=2, size=16, seed=3)
    cfg = tmp_path / "emb.json"
    cfg.write_text(json.dumps(tiny_embedder_config()), encoding="utf-8")
    per_batch = tiny_embedder_config()["cubes_per_batch"]
    argv = ["embedder", "--data", str(data), "--out", str(tmp_path / "run"), "--config", str(cfg)]
    argv += ["--device", "cpu", "--no-progress", "--steps", "2"]
    assert main([*argv, "--batch", str(2 * per_batch)]) == 0
    capsys.readouterr()
    assert main([*argv, "--batch", str(4 * per_batch), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "other settings" in err and f"--batch {2 * per_batch} there, {4 * per_batch} now" in err


def test_the_code_names_only_file_menu_items_napari_has():
    """Messages and docstrings of the package: the Spectrum dock asked for 'File > Open', which
    napari calls 'Open File(s)...'; the mixed-axes warning for 'File > New Window'."""
    src = ROOT / "src" / "xrf_napari"
    items = _file_menu_items()
    wrong = [
        f"{path.relative_to(src)}: {m}"
        for path in sorted(src.rglob("*.py"))
        for m in _unknown(_named_items(path.read_text(encoding="utf-8")), items)
    ]
    assert wrong == []
