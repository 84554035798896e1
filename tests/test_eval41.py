"""Session 41, eval41: audit of the code behind the model figures (`xrf-napari-train evaluate`,
training/metrics.py, training/eval_embedder.py): the ARI table's cubes and columns, the LDA
oracle on a one-pixel region, a baseline of another input width, colour targets not 8-bit."""

from __future__ import annotations

import json

import numpy as np
import pytest


def _set(folder, regions=(3,), size=24, palette_dtype=np.uint8):
    """A generator-layout set of toy cubes (one per entry of `regions`: its region count)."""
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.toy_data import toy_cube

    folder.mkdir(parents=True)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    cubes = []
    for i, k in enumerate(regions):
        counts, labels, meta = toy_cube(size, size, n_regions=k, seed=5 + i, counts_per_pixel=200)
        colours = np.random.default_rng(5 + i).integers(0, 256, (labels.max() + 1, 3))
        palette = colours.astype(np.uint8)[labels]
        if palette_dtype != np.uint8:
            scale = 1 / 255 if np.issubdtype(palette_dtype, np.floating) else 1
            palette = (palette * scale).astype(palette_dtype)
        targets = {"palette": palette, "rgb": colours.astype(np.uint8)[labels], "labels": labels}
        write_cube(folder / f"cube_{i:05d}.h5", counts, cal, metadata=meta, targets=targets)
        cubes.append({"file": f"cube_{i:05d}.h5"})
    manifest = {"generator": "toy", "native": False, "cubes": cubes}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_the_ari_table_keeps_the_columns_a_first_cube_of_one_region_lacks(tmp_path):
    """The ARI columns were the first cube's alone: a first cube of one region (no ARI to take)
    left a table with no column at all, "| **all** | 0 |" (and a first cube without the supervised
    ceiling dropped that column for every cube)."""
    from xrf_napari.training.eval_embedder import evaluate_embedder, format_table

    data = _set(tmp_path / "set", regions=(1, 3), size=16)
    ari = evaluate_embedder(data, device="cpu", oracle=False, progress=False)
    assert ari["methods"] == ["dve", "dve_interior", "pca3", "pca3_interior", "pca3_raw"], ari
    assert ari["summary"]["dve"]["n"] == 1  # the one-region cube has no ARI to take
    table = format_table(ari)
    assert "| **all** | 1 | " in table and "| DVE (3-D) |" in table, table


def test_max_cubes_limits_the_ari_table_too(tmp_path, monkeypatch, capsys):
    """`--max-cubes 1` scored 1 cube in the colour table but the ARI table ran on the whole
    folder (a 450-cube set: all 450, the slow part of the run)."""
    import xrf_napari.training.eval_embedder as ee
    import xrf_napari.training.evaluate as ev
    from xrf_napari.cli.train import main

    def colour_table_of_no_cube(data, *args, **kwargs):  # the colour table is not tested here
        held = {"status": "unknown", "line": "held-out status unknown"}
        return {
            "data": str(data),
            "n_cubes": 0,
            "held_out": held,
            "summary": {},
            "per_cube": [],
            "device": "cpu",  # the device evaluate picked, which the ARI pass reuses (542e4c2)
        }

    monkeypatch.setattr(
        ev, "evaluate", lambda *a, **k: colour_table_of_no_cube(*a) | {"_images": []}
    )
    # nor the supervised reference columns (a 512-D LDA: seconds a cube); which cubes count is
    real_cube = ee.evaluate_cube
    monkeypatch.setattr(
        ee, "evaluate_cube", lambda *a, **k: real_cube(*a, **{**k, "oracle": False})
    )
    data = _set(tmp_path / "set", regions=(3, 3), size=16)
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data), "--max-cubes", "1", "--no-progress"]) == 0
    table = capsys.readouterr().out
    assert "| **all** | 1 | " in table, table


def test_the_lda_oracle_does_not_return_the_truth_for_a_one_pixel_region():
    """A region of one pixel (a tiny region, or one pixel of it left by max_pixels) made the
    oracle hand back the true labels: ARI 1.0 for the "LDA oracle" even on spectra without any
    structure. It is now cross-validated as every other cube (chance here), and None when fewer
    than two regions have two pixels."""
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.training.eval_embedder import _oracle_labels

    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1, 2], [200, 200, 1])
    noise = rng.normal(size=(len(truth), 8))
    with pytest.warns(UserWarning):  # sklearn: a class of one sample (its covariance)
        predicted = _oracle_labels(noise, truth, 0)
    assert predicted is not None and abs(adjusted_rand_score(truth, predicted)) < 0.2
    assert _oracle_labels(noise[:201], np.repeat([0, 1], [200, 1]), 0) is None


def test_a_baseline_wider_than_the_models_input_is_named_before_any_cube(tmp_path, monkeypatch):
    """A per-pixel MLP reading 5 channels beside a SmallUViT reading 3 ran the DVE on the first cube
    and then stopped in a torch shape error ("The size of tensor a (3) must match the size of
    tensor b (5)"), naming no file."""
    import xrf_napari.analysis.embed as embed
    from xrf_napari.models.weights import save_weights
    from xrf_napari.training.evaluate import evaluate
    from xrf_napari.training.train_pixel_mlp import DEFAULT_CONFIG, build_from_config

    def no_models(*args, **kwargs):
        raise AssertionError("a cube was embedded before the baseline was checked")

    monkeypatch.setattr(embed, "iter_embed", no_models)
    data = _set(tmp_path / "set")
    wide = {"in_chans": 5, "hidden": 8, "latent_mean": [0.0] * 5, "latent_std": [1.0] * 5}
    mlp = build_from_config({**DEFAULT_CONFIG, **wide})
    path = tmp_path / "mlp5.safetensors"
    save_weights(mlp.state_dict(), path, mlp.config)
    with pytest.raises(ValueError) as err:
        evaluate(data, baseline=path, device="cpu", progress=False)
    said = str(err.value)
    assert f"--baseline {path} reads 5 input channels" in said and "reads 3" in said, said


@pytest.mark.parametrize("dtype", [np.float32, np.uint16])
def test_colour_targets_not_8_bit_are_named_before_the_models_run(tmp_path, monkeypatch, dtype):
    """A palette target of floats in [0, 1] was scored as given, but the flat-mean baseline rounded
    its mean colour to 0 or 1 (a black image); floats of 0-255 or uint16 were clipped to [0, 1]
    by metrics._as_unit (near white), every figure wrong without a word. The trainers read targets
    as 8-bit (/ 255): evaluate now refuses any other type, naming the cube."""
    import xrf_napari.analysis.embed as embed
    from xrf_napari.training.evaluate import evaluate

    def no_models(*args, **kwargs):
        raise AssertionError("the models ran before the targets were checked")

    monkeypatch.setattr(embed, "iter_embed", no_models)
    data = _set(tmp_path / "set", palette_dtype=dtype)
    with pytest.raises(ValueError) as err:
        evaluate(data, device="cpu", progress=False)
    said = str(err.value)
    assert str(data / "cube_00000.h5") in said, said
    assert f"targets palette are {np.dtype(dtype).name}, not 8-bit sRGB (uint8)" in said, said


@pytest.mark.parametrize("missing", ["labels", "palette"])
def test_a_later_cube_without_its_targets_is_named_before_any_cube_is_scored(
    tmp_path, monkeypatch, capsys, missing
):
    """A cube without /targets/labels was met by the ARI pass after the whole colour table
    (minutes on a real set), which ended saying "region labels are needed to train" and wrote
    nothing; one without its palette target stopped the run in its turn, after the cubes before
    it were scored. Both are now named before the first cube."""
    import h5py

    import xrf_napari.analysis.embed as embed
    from xrf_napari.cli.train import main

    def no_models(*args, **kwargs):
        raise AssertionError("a cube was scored before the targets of the set were checked")

    monkeypatch.setattr(embed, "iter_embed", no_models)
    data = _set(tmp_path / "set", regions=(3, 3), size=16)
    with h5py.File(data / "cube_00001.h5", "r+") as f:
        del f[f"targets/{missing}"]
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data), "--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{data / 'cube_00001.h5'} has no /targets/{missing}" in err, err
    if missing == "labels":
        assert "--no-ari scores the colours alone" in err, err
