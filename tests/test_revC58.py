"""Session 58 review of cli58 (the commands and scripts): what its commits left to break."""

import shutil
import zipfile

import numpy as np
import pytest


def test_a_scan_renamed_png_is_no_picture_to_replace(tmp_path):
    """48fbcd44's not_a_picture judged a file not named .tif by whether Pillow opens it: Pillow
    "opens" an HDF5 file (its stub plugin) and any TIFF, so an HDF5 scan or a TIFF datacube named
    scan.png passed as a picture that `recolour -o scan.png` may replace. It goes by what the
    file holds."""
    import tifffile

    from xrf_napari.energy import Calibration
    from xrf_napari.io.arrays import not_a_picture
    from xrf_napari.io.project_h5 import write_cube

    h5 = write_cube(tmp_path / "s.h5", np.ones((4, 4, 64), np.uint16), Calibration(0, 0.05))
    shutil.copy(h5, tmp_path / "scan.png")
    assert not_a_picture(tmp_path / "scan.png") == "it is not an image: it is an HDF5 file"
    tifffile.imwrite(tmp_path / "cube.png", np.arange(64 * 36, dtype=np.uint16).reshape(64, 6, 6))
    said = not_a_picture(tmp_path / "cube.png")
    assert said == "it holds a spectral datacube (a TIFF of 64 pages), a scan", said
    tifffile.imwrite(tmp_path / "photo.png", np.zeros((4, 5, 3), np.uint8))  # one TIFF picture
    assert not_a_picture(tmp_path / "photo.png") is None


@pytest.fixture
def recolouriser_run(tmp_path):
    """A finished recolouriser's --out: checkpoint.pt (torch.save's zip), its SmallUViT weights
    and per-pixel MLP baseline beside it (their contents are never read here)."""
    run = tmp_path / "run"
    run.mkdir()
    with zipfile.ZipFile(run / "checkpoint.pt", "w") as z:
        z.writestr("checkpoint/data.pkl", b"\x80\x02}q\x00.")
    for name in ("uvit.safetensors", "pixel_mlp.safetensors"):
        (run / name).write_bytes(b"")
    return run


def test_a_checkpoint_given_as_weights_names_weights_of_the_model_read(recolouriser_run):
    """1bcc4a74 named every .safetensors beside a trainer's checkpoint.pt given as weights:
    `embed --weights RUN/checkpoint.pt` of a recolouriser's run was told to give
    "pixel_mlp.safetensors, uvit.safetensors beside it", neither of them a DVE; and a run not
    finished, none beside it, was told to give "the weights its run writes". The model the
    caller reads (want) picks the file, or says the run trained another."""
    from xrf_napari.models.weights import WeightsError, require_weights_file

    ckpt = recolouriser_run / "checkpoint.pt"
    with pytest.raises(WeightsError) as err:
        require_weights_file(ckpt, "dve")
    said = str(err.value)
    assert (
        "is a trainer's checkpoint (torch.save), not a weights file, and its run trained the "
        "SmallUViT (recolouriser) (uvit.safetensors beside it): give DVE (embedder) weights "
        "(dve.safetensors of a run that trained one)" in said
    ), said
    with pytest.raises(WeightsError) as err:
        require_weights_file(ckpt, "SmallUViT")
    said = str(err.value)
    assert "give the .safetensors weights its run writes (uvit.safetensors beside it), " in said
    assert "pixel_mlp" not in said, said
    for name in ("uvit.safetensors", "pixel_mlp.safetensors"):
        (recolouriser_run / name).unlink()
    with pytest.raises(WeightsError) as err:
        require_weights_file(ckpt, "SmallUViT")
    said = str(err.value)
    assert (
        "not a weights file: its run writes uvit.safetensors when it finishes (none beside it "
        "yet): continue that run with its command and --resume" in said
    ), said


def test_the_loaders_and_checks_say_which_model_they_read(recolouriser_run, monkeypatch):
    """Each caller passes its model: the embedder's loader (embed, the docks, recolour's
    --embedder) a DVE, evaluate's --weights a SmallUViT and its --embedder a DVE."""
    import xrf_napari.device
    import xrf_napari.models.weights as W
    from xrf_napari.analysis import embed
    from xrf_napari.training.evaluate import check_weights_files

    ckpt = recolouriser_run / "checkpoint.pt"

    class Asked(Exception):
        pass

    def hashed(path, sha=None, want=None):
        raise Asked(want)

    monkeypatch.setattr(W, "load_weights_hashed", hashed)
    monkeypatch.setattr(xrf_napari.device, "pick_device", lambda name: name)
    with pytest.raises(Asked, match="^dve$"):
        embed._load_cached.__wrapped__(str(ckpt), None, "cpu")
    with pytest.raises(W.WeightsError, match="give DVE \\(embedder\\) weights"):
        check_weights_files(None, ckpt, None)
    with pytest.raises(W.WeightsError, match="\\(uvit.safetensors beside it\\)"):
        check_weights_files(ckpt, None, None)


def test_a_config_and_a_sidecar_say_a_number_as_written_by_one_parser(tmp_path):
    """92f260c1 gave the calibration sidecar its own copy of the training config's JSON number
    hooks (training.common's _Overflowed, _config_number, _config_constant) that keep an
    unreadable number's text; the config's copy had no repr, so a list of them was still said
    "[inf]": a config's "steps": [1e400] was "steps must be a whole number, not [inf]". One
    parser (io.calibration.json_number) reads both."""
    from xrf_napari.io.calibration import sidecar_json
    from xrf_napari.models.dve import DEFAULT_CONFIG
    from xrf_napari.training.common import check_config, read_config
    from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG, config_ranges

    path = tmp_path / "c.json"
    path.write_text('{"steps": [1e400, -1E999]}', encoding="utf-8")
    defaults = {k: v for k, v in DEFAULT_TRAIN_CONFIG.items() if k != "model"}
    with pytest.raises(ValueError) as exc:
        check_config(read_config(path), defaults, DEFAULT_CONFIG, path, (), config_ranges())
    said = str(exc.value)
    assert said.endswith(
        "steps must be a whole number, not [1e400 (too large for a number), -1E999 (too large "
        "for a number)]"
    ), said
    (tmp_path / "scan.json").write_text('{"offset": [1e400, -1E999]}', encoding="utf-8")
    assert repr(sidecar_json(tmp_path / "scan.tif")["offset"]) == repr(read_config(path)["steps"])
