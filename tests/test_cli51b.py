"""Session 51: the trainers' refusals name the option that gave the path."""

from __future__ import annotations

import pytest

from xrf_napari.cli.train import main as train_main


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("missing", "--images: image folder {images} does not exist"),
        ("empty", "--images: no images in {images}: it is empty"),
    ],
)
def test_generate_names_images_in_its_refusals(given, said, tmp_path, capsys):
    """`generate --images X` said "image folder X does not exist" and "no images for split
    'all' in X", naming no option, where the trainers' --data refusals start with theirs."""
    images = tmp_path / "imgs"
    if given == "empty":
        images.mkdir()
    argv = ["generate", "--images", str(images), "--out", str(tmp_path / "set"), "--n-cubes", "1"]
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"generate: error: {said.format(images=images)}" in err, err
    assert not (tmp_path / "set").exists()


@pytest.mark.parametrize("command", ["embedder", "recolouriser", "evaluate", "generate"])
def test_an_out_that_is_a_file_is_named_by_its_option(command, tmp_path, capsys):
    """`--out FILE` said "output folder FILE exists and is not a folder", naming no option."""
    data = tmp_path / "set"
    data.mkdir()
    (data / "cube_00000.h5").write_bytes(b"never read")
    out = tmp_path / "notes.txt"
    out.write_text("kept", encoding="utf-8")
    argv = [command, "--out", str(out)]
    argv += (
        ["--n-cubes", "1"] if command == "generate" else ["--data", str(data), "--device", "cpu"]
    )
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"error: --out: output folder {out} exists and is not a folder" in err, err
    assert out.read_text(encoding="utf-8") == "kept"


@pytest.fixture
def no_model_loads(monkeypatch):
    """The recolouriser's slow steps made to fail the test: loading the embedder, choosing the
    device (whose line "device: cpu" was printed before the refusals)."""
    from xrf_napari import device
    from xrf_napari.training import train_recolouriser

    def loaded(*_a, **_k):
        raise AssertionError("the embedder was loaded before the inputs were checked")

    def picked(*_a, **_k):
        raise AssertionError("the device was chosen before the inputs were checked")

    monkeypatch.setattr(train_recolouriser, "_embedder", loaded)
    monkeypatch.setattr(device, "pick_device", picked)


@pytest.mark.parametrize("wrong", ["data", "init"])
def test_the_recolouriser_checks_its_inputs_before_any_model_or_folder(
    wrong, tmp_path, monkeypatch, capsys, no_model_loads
):
    """`recolouriser --data missing` and `--init missing.safetensors` printed "device: cpu",
    made the output folder and loaded the embedder before refusing (and removed the folder);
    the paths are checked first now, and nothing is made."""
    from xrf_napari.training import data as training_data

    data, init = tmp_path / "set", tmp_path / "missing.safetensors"
    if wrong == "init":  # a set that lists: only --init is wrong
        data.mkdir()
        monkeypatch.setattr(training_data, "list_cubes", lambda *_a, **_k: [data / "c.h5"])
    out = tmp_path / "runs" / "o"
    argv = ["recolouriser", "--data", str(data), "--out", str(out)]
    argv += ["--init", str(init)] if wrong == "init" else []
    assert train_main([*argv, "--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    said = f"--data: dataset folder {data} does not exist" if wrong == "data" else ""
    said = said or f"--init {init}: no such weights file"
    assert err.strip().splitlines() == [f"xrf-napari-train recolouriser: error: {said}"], err
    assert not (tmp_path / "runs").exists()
