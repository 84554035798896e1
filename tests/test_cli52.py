"""Session 52, cli52: the command lines' check order, option names in refusals and help."""

# ruff: noqa: F811 - the setup fixture imported, then named by the tests

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _rec_argv, setup  # noqa: E402, F401 - fixture


def _no_weights_read(monkeypatch):
    """Loading any weights file fails the test: the refusals under test read none."""
    from xrf_napari.models import weights

    def refuse(path, *args, **kwargs):
        raise AssertionError(f"loaded {path} before the refusal")

    monkeypatch.setattr(weights, "load_weights", refuse)


@pytest.mark.parametrize(
    ("missing", "said"), [("--data", "does not exist"), ("--init", "no such weights file")]
)
def test_the_recolouriser_refuses_a_missing_input_before_loading_its_embedder(
    missing,
    said,
    setup,
    tmp_path,
    monkeypatch,
    capsys,
):
    """A custom --embedder was loaded (its tensors read, to check it holds a DVE) before a
    missing --data or --init was refused: the cheap checks of every input come first now, then
    the output folder, and the weights are read last."""
    from xrf_napari.cli.train import main

    argv = _rec_argv(setup, tmp_path / "rec")
    argv += ["--init", str(tmp_path / "none.safetensors")] if missing == "--init" else []
    if missing == "--data":
        argv[argv.index("--data") + 1] = str(tmp_path / "nodata")
    _no_weights_read(monkeypatch)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"error: {missing}" in err and said in err, err
    assert not (tmp_path / "rec").exists()


class _Embedding(Exception):
    """Raised in place of the embedding pass: what reached it is all the test needs."""


def test_the_recolouriser_lists_its_data_once(setup, tmp_path, monkeypatch):
    """_start listed --data's cubes, then embed_dataset listed the folder again: _build hands
    it the list (embed_dataset's files=), which it embeds without listing the folder."""
    from xrf_napari.cli.train import main
    from xrf_napari.training import data
    from xrf_napari.training import train_recolouriser as tr

    listed, given = [], {}
    real = data.list_cubes

    def counted(folder, *args, **kwargs):
        listed.append(folder)
        return real(folder, *args, **kwargs)

    def embed(*args, **kwargs):
        given.update(kwargs)
        raise _Embedding

    monkeypatch.setattr(data, "list_cubes", counted)
    monkeypatch.setattr(tr, "embed_dataset", embed)
    with pytest.raises(_Embedding):
        main(_rec_argv(setup, tmp_path / "rec"))
    assert len(listed) == 1 and given["files"] == real(setup[1]), (listed, given)


def test_embed_dataset_embeds_the_files_given_without_listing_the_folder(
    setup,
    tmp_path,
    monkeypatch,
):
    """embed_dataset(files=) takes the caller's list: the folder is not listed again."""
    from xrf_napari.training import data
    from xrf_napari.training import train_recolouriser as tr

    _, folder, dve, _, _ = setup
    files = data.list_cubes(folder)[:1]

    def refuse(*args, **kwargs):
        raise AssertionError("listed the folder again")

    monkeypatch.setattr(data, "list_cubes", refuse)
    latents, _, _, names = tr.embed_dataset(
        folder, dve, "cpu", tmp_path / tr.CACHE_NAME, progress=False, files=files
    )
    assert names == [files[0].stem] and len(latents) == 1


def test_a_folder_named_like_a_cube_is_not_taken_for_one(tmp_path):
    """A folder x.h5 in --data was listed as a cube: the trainers and evaluate then failed on it
    as an unreadable file ("check its permissions, or that the drive ... is reachable"), after
    "device: cpu"; it is no cube, so a set of only such folders has none."""
    from xrf_napari.training.data import list_cubes

    (tmp_path / "x.h5").mkdir()
    with pytest.raises(ValueError, match=r"^--data: no cubes \(\*\.h5\) in "):
        list_cubes(tmp_path, "--data")
    (tmp_path / "cube_00000.h5").write_bytes(b"")
    assert list_cubes(tmp_path) == [tmp_path / "cube_00000.h5"]
