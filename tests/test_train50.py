"""Session 50, train50: the training command's progress output, the toy data's and profile
families' resolution ranges, and duplicate paintings in a generate --images folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _emb_argv, _rec_argv, setup  # noqa: E402, F401 - fixture


def test_the_embedding_bar_says_it_counts_the_validation_cubes_too(setup, tmp_path, capsys):  # noqa: F811
    """The recolouriser's bar read "embedding training cubes ... 4/4" on a set of 3 training and
    1 validation cube: every cube of --data is embedded, so it names both counts. It also reaches
    the last cube (test_train49's guard, moved here: it ended at 3/4 before 49)."""
    from xrf_napari.cli.train import main

    out = tmp_path / "rec"
    argv = _rec_argv(setup, out, "--steps", "1", "--baseline-steps", "0")
    assert main([a for a in argv if a != "--no-progress"]) == 0
    lines = capsys.readouterr().err.replace("\r", "\n").splitlines()
    bar = [line for line in lines if line.startswith("embedding")]
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["n_val"] >= 1  # the fixture's set has a validation painting
    said = f"embedding cubes ({config['n_train']} training, {config['n_val']} validation)"
    assert bar and bar[-1].startswith(said), bar[-1:]
    assert "4/4" in bar[-1]


def test_the_toy_sets_resolutions_are_the_train_familys(monkeypatch, tmp_path):
    """write_toy_dataset drew FWHM from its own (120, 165) literal, a copy of the "train"
    family's range (physics.instrument.TRAIN_FWHM_MN_EV): it now reads that one."""
    import h5py

    from xrf_napari.physics import instrument
    from xrf_napari.training.toy_data import write_toy_dataset

    monkeypatch.setattr(instrument, "TRAIN_FWHM_MN_EV", (150.0, 150.0))
    data = write_toy_dataset(tmp_path / "toy", n_cubes=2, size=8)
    for path in sorted((data / "cubes").glob("*.h5")):
        with h5py.File(path, "r") as f:
            assert json.loads(f.attrs["metadata"])["profile"]["fwhm_mn_ev"] == 150.0


@pytest.mark.parametrize(
    ("family", "lo", "hi"),
    [("test", 170.0, 170.0), ("all", 125.0, 170.0)],
)
def test_the_test_and_all_families_read_the_named_ranges(monkeypatch, family, lo, hi):
    """The "test" and "all" families drew from 165-180 eV and 120-180 eV literals beside the
    named "train" range: "test" has TEST_FWHM_MN_EV, "all" spans train's and test's."""
    from xrf_napari.physics import instrument

    monkeypatch.setattr(instrument, "TRAIN_FWHM_MN_EV", (125.0, 160.0))
    monkeypatch.setattr(instrument, "TEST_FWHM_MN_EV", (170.0, 170.0), raising=False)
    rng = np.random.default_rng(0)
    fwhm = [instrument.random_profile(rng, family).fwhm_mn_ev for _ in range(40)]
    assert lo <= min(fwhm) and max(fwhm) <= hi, (min(fwhm), max(fwhm))


def _image(path: Path, colour) -> Path:
    from PIL import Image

    Image.new("RGB", (24, 24), colour).save(path)
    return path


def test_generate_refuses_one_painting_saved_under_two_names(tmp_path):
    """Paintings are known by file name (the test split hashes it; the validation split and
    evaluate's held-out verdict compare it), so a copy under another name was split as a second
    painting: it could be trained on under one name and tested on under the other."""
    from xrf_napari.synth.dataset import list_images

    folder = tmp_path / "paintings"
    folder.mkdir()
    _image(folder / "a.png", (200, 30, 30))
    _image(folder / "b.png", (30, 200, 30))
    (folder / "a_copy.png").write_bytes((folder / "a.png").read_bytes())
    with pytest.raises(ValueError, match=r"images a.png and a_copy.png of .* are the same file"):
        list_images(folder, "train")


def test_distinct_images_of_equal_size_pass(tmp_path):
    """A guard: images that differ only in their pixels are different paintings."""
    from xrf_napari.synth.dataset import list_images

    folder = tmp_path / "paintings"
    folder.mkdir()
    names = [_image(folder / f"{i}.png", (10 * i, 0, 0)).name for i in range(3)]
    assert [p.name for p in list_images(folder)] == names


def test_an_ag_tube_seen_near_backscatter_is_named():
    """An Ag tube at 170 deg was never named from its scatter: its Compton peak sat at the band's
    low edge with its tail in the continuum window below (contrast 0.13, under 0.2). The sum
    spectrum of a generated 16 x 16 cube (data/ag_tube_170deg_sum.npy: Ag, 45 kV, 3,000 counts
    per pixel, incidence 90 and take-off 80 deg, collimator, 160 eV; synthesize with
    default_rng(5106), /work/runs49/tube49/gen_angles.py's case 106)."""
    from xrf_napari.analysis.tube_guess import guess_anode

    total = np.load(Path(__file__).parent / "data" / "ag_tube_170deg_sum.npy")
    assert guess_anode(total[None].astype(np.float64)) == "Ag"


@pytest.mark.parametrize("trainer", ["recolouriser", "embedder"])
def test_a_stop_after_the_loop_says_how_to_finish(setup, tmp_path, capsys, monkeypatch, trainer):  # noqa: F811
    """Ctrl-C while a run wrote its results (the weights, validation, the per-pixel baseline:
    minutes on a real run) said "interrupted" alone, with some of them written and others not:
    it names the checkpoint that stays and the --resume that finishes the run."""
    from xrf_napari.cli.train import main
    from xrf_napari.training import common

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "plot_curves", stop)  # the last step of both trainers' results
    out = tmp_path / trainer
    argv = (_rec_argv if trainer == "recolouriser" else _emb_argv)(setup, out, "--steps", "2")
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert f"checkpoint {out / 'checkpoint.pt'} (step 2) stays" in err, err
    said = [line for line in err.splitlines() if "Finish with: " in line]
    assert said and said[0].endswith(" --resume"), said
    assert f"Finish with: xrf-napari-train {trainer} " in said[0]
    assert not (out / "loss_curve.png").exists()
