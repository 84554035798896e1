"""Session 51, train51: generate's image hashing, a resumable embedding pass, and the trainers'
checkpoint name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _rec_argv, setup  # noqa: E402, F401 - fixture


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
    from test_cli_leftovers38 import _code  # the seed's is argparse's refusal (session 54)

    _paintings(tmp_path / "paintings")
    read = _read_images(monkeypatch)
    argv = ["generate", "--images", str(tmp_path / "paintings"), "--out", str(tmp_path / "set")]
    assert _code([*argv, "--n-cubes", "1", "--workers", "1", "--no-progress", *wrong]) != 0
    assert "error" in capsys.readouterr().err
    assert read == []


def _embed_calls(monkeypatch, stop_at: int | None = None) -> list[int]:
    """Counts the cubes embedded (analysis.embed.iter_embed); a Ctrl-C at call `stop_at`."""
    from xrf_napari.analysis import embed

    calls, real = [], embed.iter_embed

    def counted(*args, **kwargs):
        calls.append(1)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(embed, "iter_embed", counted)
    return calls


def test_a_stopped_embedding_pass_keeps_its_latents(setup, tmp_path, monkeypatch, capsys):  # noqa: F811
    """Ctrl-C in the recolouriser's embedding pass lost every cube's latents, which were written
    only all together at its end: each cube's are written as it is embedded, the stop says so
    and that the same command (no --resume: no checkpoint yet) embeds the rest, and the rerun
    embeds only the cubes not done."""
    from xrf_napari.cli.train import main
    from xrf_napari.training import train_recolouriser as tr

    out = tmp_path / "rec"
    argv = _rec_argv(setup, out, "--steps", "1", "--baseline-steps", "0")
    _embed_calls(monkeypatch, stop_at=2)
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "stopped while embedding cubes: the latents of 1 of 4 cubes stay in " in err, err
    parts = tr.parts_folder(out / tr.CACHE_NAME)
    assert f"stay in {parts};" in err
    said = [line for line in err.splitlines() if "the same command embeds the rest: " in line]
    assert said and said[0].endswith(" --no-progress --steps 1 --baseline-steps 0"), said
    assert said[0].split("embeds the rest: ")[1].startswith("xrf-napari-train recolouriser ")
    assert len(list(parts.glob("*.npz"))) == 1
    calls = _embed_calls(monkeypatch)
    assert main(argv) == 0
    assert len(calls) == 3  # the three cubes not embedded before
    assert (out / tr.CACHE_NAME).is_file() and not parts.exists()


@pytest.fixture(scope="module")
def embedded(setup, tmp_path_factory):  # noqa: F811
    """setup's set embedded in one pass (embed_dataset's result)."""
    from xrf_napari.training import train_recolouriser as tr

    _, data, dve, _, _ = setup
    cache = tmp_path_factory.mktemp("train51") / tr.CACHE_NAME
    return tr.embed_dataset(data, dve, "cpu", cache, progress=False)


@pytest.fixture(scope="module")
def stopped(setup, tmp_path_factory):  # noqa: F811
    """The parts folder a pass over setup's set stopped at its third cube leaves (cubes 0, 1):
    one stopped pass for every test that spoils a part of it."""
    from xrf_napari.training import train_recolouriser as tr

    _, data, dve, _, _ = setup
    cache = tmp_path_factory.mktemp("train51_stopped") / tr.CACHE_NAME
    with pytest.MonkeyPatch.context() as mp:
        _embed_calls(mp, stop_at=3)
        with pytest.raises(KeyboardInterrupt):
            tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    return tr.parts_folder(cache)


@pytest.mark.parametrize("spoilt", ["cut", "other embedder", "other file"])
def test_a_part_that_is_not_the_cubes_is_embedded_again(
    setup,  # noqa: F811
    embedded,
    stopped,
    tmp_path,
    monkeypatch,
    spoilt,
):
    """A stopped pass's part is used only when it is whole and holds that cube's latents by
    this embedder (its file's name, size and time): else that cube is embedded again."""
    import json
    import shutil

    import numpy as np

    from xrf_napari.training import train_recolouriser as tr

    _, data, dve, _, _ = setup
    cache = tmp_path / "out" / tr.CACHE_NAME
    shutil.copytree(stopped, tr.parts_folder(cache))
    _, second = sorted(tr.parts_folder(cache).glob("*.npz"))
    if spoilt == "cut":
        second.write_bytes(second.read_bytes()[:200])
    else:
        with np.load(second) as z:
            arrays = dict(z)
        key = json.loads(str(arrays["key"]))
        if spoilt == "other embedder":
            key["embedder_sha256"] = "0" * 64
        else:
            key["file"][1] += 1
        np.savez(second, **{**arrays, "key": np.array(json.dumps(key))})
    calls = _embed_calls(monkeypatch)
    got = tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    assert len(calls) == 3  # the spoilt part's cube and the two not embedded
    for mine, ref in zip(got[:3], embedded[:3]):
        assert all(np.array_equal(a, b) for a, b in zip(mine, ref))
