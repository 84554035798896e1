"""Small faults found in session 42 (leftovers42): count words, report lines and labels the user
reads, a benchmark option the docs quote. Small synthetic inputs only."""

from __future__ import annotations

from pathlib import Path

import pytest
from _bench_scripts import CHECKOUT, load_module, load_script


def test_bench_scale_help_shows_the_small_option_the_docs_quote(capsys):
    """docs/performance.md tells users to run `bench_scale.py --small --which c`, but --small was
    hidden from --help (argparse.SUPPRESS): it is listed there, with what it does."""
    bench = load_script("bench_scale")
    with pytest.raises(SystemExit) as done:
        bench.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--small" in out and "1/8" in out, out


def test_count_words_agree_with_a_count_of_one(tmp_path, monkeypatch, capsys):
    """'xrf-napari-train generate --n-cubes 1' printed 'wrote 1 cubes', export-set 'wrote 1 h5
    cubes', embedder '1 steps in ...', and evaluate's eval.md title '1 cubes (means over
    cubes)': one is singular now (the work itself is faked: only the lines are checked)."""
    from xrf_napari.cli.train import main
    from xrf_napari.synth import dataset, export
    from xrf_napari.training import evaluate, train_embedder

    def fake_generate(cfg, workers=None, progress=True, images_dir=None):
        return Path(cfg.out) / "manifest.json"

    monkeypatch.setattr(dataset, "generate_dataset", fake_generate)
    argv = ["generate", "--out", str(tmp_path / "set"), "--n-cubes", "1", "--size", "16"]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    assert "wrote 1 cube (0 already there) and " in capsys.readouterr().out

    (tmp_path / "data").mkdir()
    monkeypatch.setattr(export, "plan_export", lambda *a, **k: ([], None))
    monkeypatch.setattr(export, "check_export_room", lambda *a, **k: None)
    monkeypatch.setattr(export, "export_set", lambda *a, **k: [tmp_path / "x" / "cube_00000.h5"])
    argv = ["export-set", "--data", str(tmp_path / "data"), "--format", "h5"]
    assert main([*argv, "--out", str(tmp_path / "x"), "--no-progress"]) == 0
    assert f"wrote 1 h5 cube (+ {export.SIDECAR} targets) to " in capsys.readouterr().out

    metrics = {
        "weights": "w",
        "sha256": "0" * 64,
        "steps": 1,
        "train_seconds": 0.1,
        "device": "cpu",
        "final": {"loss": 1.0},
    }
    monkeypatch.setattr(train_embedder, "train", lambda *a, **k: metrics)
    argv = ["embedder", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "emb")]
    assert main([*argv, "--steps", "1", "--no-progress"]) == 0
    assert ", 1 step in 0.1 s on cpu" in capsys.readouterr().out

    results = {"n_cubes": 1, "data": "set", "summary": {}, "held_out": None}
    title = evaluate.format_table(results).splitlines()[0]
    assert title.endswith("Set set: 1 cube; held-out status unknown"), title
    results["n_cubes"] = 3
    assert "Set set: 3 cubes (means over cubes);" in evaluate.format_table(results)


def test_the_msssim_note_says_plainly_why_fewer_scales():
    """eval.md said 'the cubes are too small for 5 (> 160 px per side)', which reads as if the
    cubes were over 160 px: it says what 5 scales need and that the set's smallest cube is not."""
    from xrf_napari.training.evaluate import msssim_note

    note = msssim_note(3)
    assert note.startswith("MS-SSIM over 3 of its 5 scales: "), note
    assert "all 5 need cubes larger than 160 px per side" in note, note
    assert "smallest cube is 160 px or less" in note, note
    assert "(> 160" not in note and "not comparable with 5-scale" in note, note
    assert msssim_note(5) is None and msssim_note(None) is None


def _checkout_script(relpath: str):
    """A script of the checkout whose xrf_napari is imported, as a module (main not run)."""
    return load_module(CHECKOUT / relpath, f"_l42_{Path(relpath).stem}")


def test_the_swatch_tables_mean_says_it_is_over_every_panels_swatches(tmp_path, capsys):
    """eval.md's bold 'mean over swatches' is the mean over every swatch of every panel, not over
    the rows above it: panels tinted with different whites list their tints apart (here A's mean
    of its 3 rows is 10.0, the bold figure 7.5). It is labelled so, and it is the figure
    swatch_summary.py gives for the same runs (each swatch over the panels first, whites pooled)."""
    import json

    from xrf_napari.training.evaluate import format_swatch_table

    per_cube = [
        {
            "swatches": [
                {"swatch": "A", "uvit": 0.0},
                {"swatch": "A + 50% lead white", "uvit": 10.0},
            ]
        },
        {
            "swatches": [
                {"swatch": "A", "uvit": 0.0},
                {"swatch": "A + 50% zinc white", "uvit": 20.0},
            ]
        },
    ]
    lines = format_swatch_table({"per_cube": per_cube}).splitlines()
    assert lines[-5:-2] == [
        "| A | 0.0 |",
        "| A + 50% lead white | 10.0 |",
        "| A + 50% zinc white | 20.0 |",
    ]
    assert lines[-2] == "| **mean over all 4 swatches of 2 panels** | **7.5** |", lines

    (tmp_path / "eval.json").write_text(json.dumps({"per_cube": per_cube}), encoding="utf-8")
    _checkout_script("scripts/swatch_summary.py").main([f"run={tmp_path / 'eval.json'}"])
    out = capsys.readouterr().out
    assert "| **all 2 swatches (masstone + tints), mean over panels** | **7.5** |" in out, out


class _ProjectingEmbedder:
    """A stand-in DVE: 3 fixed projections of the counts (noisy at low counts, as the DVE's
    latent is), so pooling moves its K-Means ARI."""

    config = {"normalisation": "hellinger"}
    path = "toy"

    def encode(self, flat):
        import numpy as np

        w = np.random.default_rng(5).normal(size=(flat.shape[1], 3)).astype(np.float32)
        return (np.sqrt(np.maximum(flat, 0)) @ w).astype(np.float32)


def test_ari_ceilings_km_is_the_evaluate_dve_figure_on_a_low_count_cube(
    monkeypatch, capsys, tmp_path
):
    """scripts/ari_ceilings.py's dve_km is documented as 'what the plugin does; the evaluate
    table's DVE column', but it scored every pixel alone while evaluate pools a cube under 500
    counts per pixel 3 x 3 (analysis.pooling): on a low-count cube the two differed. It now pools
    through the same library function (--no-pool for the old figures)."""
    pytest.importorskip("sklearn")
    pytest.importorskip("torch")
    from xrf_napari.analysis import embed
    from xrf_napari.training import data, eval_embedder
    from xrf_napari.training.eval_embedder import evaluate_cube
    from xrf_napari.training.toy_data import toy_cube

    counts, labels, _ = toy_cube(16, 16, n_regions=3, seed=2, counts_per_pixel=60)
    emb = _ProjectingEmbedder()
    monkeypatch.setattr(embed, "load_embedder", lambda *a, **k: emb)
    monkeypatch.setattr(data, "list_cubes", lambda d: [Path(d) / "cube_00000.h5"])
    monkeypatch.setattr(data, "read_cube_arrays", lambda p: (counts, labels, {}))
    # the supervised LDA ceilings (a 512 x 512 eigenproblem each, not under test) left out
    monkeypatch.setattr(eval_embedder, "_lda_kmeans_ari", lambda *a, **k: None)
    script = _checkout_script("scripts/ari_ceilings.py")

    ev = evaluate_cube(emb, counts, labels, oracle=False)
    alone = evaluate_cube(emb, counts, labels, oracle=False, pool_low_counts=False)
    assert ev["pooled"] and round(ev["dve"], 3) != round(alone["dve"], 3), (ev, alone)
    # a folder that is there: the script refuses a missing one at parsing
    assert script.main(["--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"dve_km={ev['dve']:.3f}" in out and f"pca3_km={ev['pca3']:.3f}" in out, out
    assert "(pooled 3 x 3)" in out and "1 pooled 3 x 3" in out, out
    assert script.main(["--data", str(tmp_path), "--no-pool"]) == 0
    out = capsys.readouterr().out
    assert f"dve_km={alone['dve']:.3f}" in out and "0 pooled" in out, out
