"""Audit cli35 (a new user's CLI pass): what `info --json`, the outputs' metadata and the readers'
refusals say must be true of the file in hand."""

import json

import numpy as np
import pytest

from xrf_napari.cli.main import main


def test_info_json_gives_no_kev_range_for_an_uncalibrated_scan(tmp_path, capsys):
    """Channel numbers are no keV: a script reading energy_range_kev must get null, not 0..C-1."""
    raw = tmp_path / "raw.npy"
    np.save(raw, np.ones((3, 4, 64), np.uint16))
    assert main(["info", str(raw), "--no-auto-calibration", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["calibration"]["source"] == "none"
    assert info["energy_range_kev"] is None
    assert info["channel_range"] == [0, 63]
    assert main(["info", str(raw), "--no-auto-calibration"]) == 0
    assert "calibration none (energy axis is channel numbers)" in capsys.readouterr().out


def _scan_calibration(path):
    from xrf_napari import read_cube

    return read_cube(path).calibration


def test_map_tiffs_record_the_calibration_itself(tmp_path):
    """A map TIFF said only "calibration": "file" (or "auto"): copied away, it could not say on
    which keV axis its peak windows were set. It now holds offset, gain, quadratic and source."""
    import tifffile
    from _napari_helpers import write_painted_cube

    from xrf_napari.energy import Calibration

    scan = write_painted_cube(tmp_path / "painted.h5")
    out = tmp_path / "look"
    argv = ["quicklook", str(scan), "-o", str(out), "--tiff", "--elements", "Fe"]
    assert main([*argv, "--no-progress"]) == 0
    with tifffile.TiffFile(out / "painted_Fe_Ka.tif") as tif:
        record = json.loads(tif.pages[0].description)
    assert Calibration.from_dict(record["calibration"]) == _scan_calibration(scan)
    assert set(record["calibration"]) == {"offset", "gain", "quadratic", "source"}


def test_recolour_and_embed_outputs_record_the_calibration_itself(tmp_path):
    """The recoloured PNG/TIFF and embed's labels.h5/latent.h5 held the source word only."""
    import h5py
    from _cli_models import save_tiny_models, weights_args, write_toy_scan
    from PIL import Image

    from xrf_napari.energy import Calibration

    scan = tmp_path / "scan.h5"
    write_toy_scan(scan, 20, 24, n_regions=2)
    save_tiny_models(tmp_path)
    expected = _scan_calibration(scan)
    png = tmp_path / "rec.png"
    assert main(["recolour", str(scan), "-o", str(png), *weights_args(tmp_path)]) == 0
    record = json.loads(Image.open(png).text["Description"])
    assert Calibration.from_dict(record["calibration"]) == expected
    emb = tmp_path / "emb"
    argv = ["embed", str(scan), "-o", str(emb), "-k", "2", "--device", "cpu", "--no-progress"]
    assert main([*argv, "--weights", str(tmp_path / "dve.safetensors")]) == 0
    for name in ("labels.h5", "latent.h5"):
        with h5py.File(emb / name, "r") as f:
            attr = f.attrs["calibration"]
        assert Calibration.from_dict(json.loads(attr)) == expected, name


def test_a_file_named_npy_that_is_not_numpy_is_not_called_pickled(tmp_path, capsys):
    """np.load calls any file without NumPy's signature "pickled (object) data" and suggests an
    unsafe load: a text file or an HDF5 scan renamed .npy is told what it is instead."""
    from _napari_helpers import write_painted_cube

    text = tmp_path / "t.npy"
    text.write_text("#F spectrum.mca\n@A 1 2 3\n", encoding="utf-8")
    h5 = write_painted_cube(tmp_path / "painted.h5").rename(tmp_path / "painted_as.npy")
    noise = tmp_path / "noise.npy"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, np.uint8).tobytes())
    said = {}
    for path in (text, h5, noise):
        assert main(["info", str(path)]) == 2
        said[path.name] = capsys.readouterr().err
        assert "pickle" not in said[path.name] and "not a NumPy .npy file" in said[path.name]
    assert "text" in said["t.npy"] and "rename it .h5" in said["painted_as.npy"]


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch PAYLOAD_RAN",))


def test_resume_calls_a_checkpoint_hostile_only_when_it_names_a_global(tmp_path, monkeypatch):
    """torch's text for any unpickling error names weights_only: random bytes or a .safetensors
    renamed checkpoint.pt were called code-carrying. Only a pickle asking for a global is."""
    import torch
    from safetensors.torch import save_file

    from xrf_napari.training.common import load_checkpoint

    monkeypatch.chdir(tmp_path)
    noise = tmp_path / "noise.pt"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, np.uint8).tobytes())
    other = tmp_path / "other.pt"
    save_file({"w": torch.ones(3)}, str(other))  # weights in another format, named .pt
    hostile = tmp_path / "hostile.pt"
    torch.save({"model": {}, "optimizer": {}, "step": 1, "x": _Payload()}, hostile)
    for path in (noise, other):
        with pytest.raises(ValueError) as info:
            load_checkpoint(path)
        msg = str(info.value)
        assert "refused" not in msg and "not a torch checkpoint" in msg, msg
    with pytest.raises(ValueError, match=r"asks for \S*system.*refused, nothing run"):
        load_checkpoint(hostile)
    assert not (tmp_path / "PAYLOAD_RAN").exists()


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    from _napari_helpers import write_painted_cube

    return write_painted_cube(tmp_path_factory.mktemp("cli35") / "painted.h5")


def test_pigments_labels_or_photo_given_a_folder_says_it_is_one(painted, tmp_path, capsys):
    """An existing folder given as --labels or --photo was called "no such file"."""
    folder = tmp_path / "lab.png"
    folder.mkdir()
    out = str(tmp_path / "pg")
    for option, what in (("--labels", "a label map"), ("--photo", "a photograph")):
        assert main(["pigments", str(painted), option, str(folder), "-o", out]) == 2
        err = capsys.readouterr().err
        assert f"is a folder, not {what}" in err and "no such file" not in err, err


def test_a_corrupt_photo_tiff_is_one_clear_line(painted, tmp_path, capsys):
    """A TIFF whose first page offset lies past its end printed tifffile's log line, then
    "cannot read an image: list index out of range"."""
    bad = tmp_path / "garbage.tif"
    bad.write_bytes(b"II*\x00" + np.random.default_rng(0).integers(0, 256, 400, np.uint8).tobytes())
    argv = ["pigments", str(painted), "--photo", str(bad), "-o", str(tmp_path / "pg")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "garbage.tif" in err[0] and "truncated or corrupt" in err[0], err


def test_quicklook_of_a_line_scan_writes_its_maps(tmp_path, capsys):
    """A 1 x N line with --elements/--tiff exited 0 having written no map (no TIFF, no table),
    though recolour, embed and pigments take the same line: its maps are written now."""
    import tifffile
    from _napari_helpers import CANONICAL_CAL, H, painted_counts

    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    row = counts[H // 2 : H // 2 + 1]  # one row across the painted bands: 1 x W
    path = write_cube(tmp_path / "line.h5", row.astype(np.uint32), CANONICAL_CAL)
    out = tmp_path / "look"
    argv = ["quicklook", str(path), "-o", str(out), "--tiff", "--elements", "Fe,Cu"]
    assert main([*argv, "--no-progress"]) == 0
    names = {p.name for p in out.iterdir()}
    for el in ("Fe", "Cu"):
        assert {f"line_{el}_Ka.png", f"line_{el}_Ka.tif"} <= names, names
        assert tifffile.imread(out / f"line_{el}_Ka.tif").shape == row.shape[:2]
    assert "line_maps.csv" in names
    assert "no element maps" not in capsys.readouterr().out
