"""`export-set` and `evaluate` (audit of session 24): one export per folder, listed in export.json;
interrupted exports, damaged sidecars, missing native files, mismatched targets named; eval.json
says which models it scored."""

import hashlib
import json
import shutil

import pytest

from xrf_napari.cli.train import main


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Two small generated sets: `two` (2 cubes, --native) and `one` (1 cube of another seed)."""
    from _synth_cubes import few_cluster_counts

    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset

    root = tmp_path_factory.mktemp("audit24_export")
    with pytest.MonkeyPatch.context() as mp:
        few_cluster_counts(mp)  # what export-set and evaluate do with a set, not its regions
        for name, n, seed, native in (("two", 2, 7, True), ("one", 1, 3, False)):
            cfg = GenerateConfig(out=str(root / name), n_cubes=n, size=24, seed=seed, native=native)
            generate_dataset(cfg, workers=1, progress=False)
    return root


def _export(data, fmt, out, *extra):
    return main(["export-set", "--data", str(data), "--format", fmt, "--out", str(out), *extra])


def test_export_set_refuses_a_folder_holding_another_export_or_a_generated_set(
    sets, tmp_path, capsys
):
    """An export into a folder holding another export kept the earlier cubes beside the new ones
    (a smaller export of the same set, or another set's cubes), and evaluate scored them all as one
    set; into a generated set's folder it replaced that set's cube_00000.h5 (audit 1, 3)."""
    from xrf_napari.synth.export import exported_cubes

    two, one = sets / "two", sets / "one"
    mix = tmp_path / "mix"
    assert _export(two, "rpl", mix) == 0
    listed = exported_cubes(mix)
    assert [p.name for p in listed] == ["cube_00000.rpl", "cube_00001.rpl"]
    before = {p.name: _md5(p) for p in mix.iterdir()}
    capsys.readouterr()
    for data, fmt, extra, said in (
        (one, "rpl", (), "holds an export of another set or format (source_manifest_sha256"),
        (two, "h5", (), "holds an export of another set or format (format 'rpl' there, 'h5' now"),
        (two, "rpl", ("--max-cubes", "1"), "file(s) this export would not write (e.g. cube_00001"),
    ):
        assert _export(data, fmt, mix, *extra) == 2, (data, fmt, extra)
        assert said in capsys.readouterr().err
        assert {p.name: _md5(p) for p in mix.iterdir()} == before  # nothing written or removed
    # the same export again replaces its own files
    assert _export(two, "rpl", mix) == 0
    assert sorted(p.name for p in mix.iterdir()) == sorted(before)
    assert exported_cubes(mix) == listed
    assert json.loads((mix / "export.json").read_text())["cubes"] == [p.name for p in listed]

    # a generated set's own folder: refused, its cube untouched, nothing added
    other = tmp_path / "other_set"
    shutil.copytree(one, other)
    files = {p.name: _md5(p) for p in other.iterdir()}
    assert _export(two, "h5", other) == 2
    assert (
        f"{other} is a generated set's folder (it holds manifest.json)" in capsys.readouterr().err
    )
    assert {p.name: _md5(p) for p in other.iterdir()} == files
    # cube files export-set did not list (no export.json) are never replaced
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "cube_00000.h5").write_bytes(b"user data")
    assert _export(two, "h5", loose) == 2
    assert "holds 1 cube or sidecar file(s) (e.g. cube_00000.h5) but no export.json" in (
        capsys.readouterr().err
    )
    assert (loose / "cube_00000.h5").read_bytes() == b"user data"
    # --format all into an export folder, and one format into a --format all parent
    assert _export(two, "all", mix) == 2
    assert "holds an export (its export.json): --format all" in capsys.readouterr().err
    every = tmp_path / "every"
    assert _export(two, "all", every, "--max-cubes", "1") == 0
    assert _export(two, "h5", every) == 2
    assert "holds a --format all export (rpl/, rpl-nocal/, h5/)" in capsys.readouterr().err
    assert _export(two, "all", every, "--max-cubes", "1") == 0  # the same export again


def test_evaluate_scores_only_the_cubes_export_json_lists(sets, tmp_path):
    """exported_cubes took every sidecar in the folder, and the .rpl when an .rpl and an .h5 of
    one name sat beside one sidecar (audit 1)."""
    from xrf_napari.synth.export import exported_cubes

    out = tmp_path / "h5"
    assert _export(sets / "two", "h5", out) == 0
    shutil.copy(out / "cube_00000.h5", out / "cube_00000.rpl")
    with pytest.raises(ValueError, match="cube_00000.h5 and cube_00000.rpl both sit beside"):
        exported_cubes(out)
    (out / "cube_00000.rpl").unlink()
    (out / "export.json").unlink()  # as an export made before export.json, or put together
    with pytest.raises(ValueError, match="holds export-set sidecars .* but no export.json"):
        exported_cubes(out)


def test_an_interrupted_export_is_refused_as_incomplete_and_finished_by_rerunning_it(
    sets, tmp_path, capsys, monkeypatch
):
    """An export interrupted after its first cube left a folder that evaluate scored as a complete
    set of 1 cube (its source has 2): no marker said the export had not finished (audit 2)."""
    from xrf_napari.synth import export

    out = tmp_path / "intr"
    real, calls = export._write_sidecar, []

    def sidecar_then_interrupt(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(export, "_write_sidecar", sidecar_then_interrupt)
    assert _export(sets / "two", "rpl", out) == 130
    monkeypatch.undo()
    assert (out / "cube_00000.targets.npz").is_file()
    capsys.readouterr()
    assert main(["evaluate", "--data", str(out), "--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{out} is an incomplete export: its export.json lists no cubes yet" in err
    assert "rerun the same export-set command to finish it" in err
    assert _export(sets / "two", "rpl", out) == 0  # finishing it
    assert [p.name for p in export.exported_cubes(out)] == ["cube_00000.rpl", "cube_00001.rpl"]


def test_a_native_set_missing_a_native_file_is_refused_naming_it(sets, tmp_path, capsys):
    """export-set of a --native set exported a cube whose native file was missing at the
    canonical grid, without a word: half native, half canonical (audit 6)."""
    broken = tmp_path / "nonative"
    shutil.copytree(sets / "two", broken)
    (broken / "cube_00001_native.h5").unlink()
    out = tmp_path / "out"
    assert _export(broken, "h5", out) == 2
    err = capsys.readouterr().err
    assert f"{broken / 'cube_00001_native.h5'} is missing" in err and "--native" in err
    assert not out.exists()  # refused before anything is written


@pytest.mark.parametrize("damage", ["truncated", "member"])
def test_a_damaged_targets_sidecar_is_one_error_line_naming_it(sets, tmp_path, capsys, damage):
    """evaluate ended in a traceback (zipfile.BadZipFile, rc 1) on a truncated sidecar: np.load
    raises neither OSError nor ValueError for a damaged archive or member (audit 4)."""
    out = tmp_path / "ts"
    assert _export(sets / "one", "h5", out) == 0
    side = out / "cube_00000.targets.npz"
    data = bytearray(side.read_bytes())
    if damage == "truncated":
        data = data[:300]
    else:  # a member's compressed bytes overwritten: the archive's directory still reads
        data[100:400] = bytes(300)
    side.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["evaluate", "--data", str(out), "--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"error: cannot read the targets sidecar {side}: " in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _toy_set(folder, size=168):
    """A one-cube set in the project layout with a generator-style manifest, built in a second
    (generating a > 160 px cube, for all 5 MS-SSIM scales, takes ~15 s here)."""
    import numpy as np

    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.toy_data import toy_cube

    folder.mkdir(parents=True)
    counts, labels, meta = toy_cube(size, size, n_regions=3, seed=5, counts_per_pixel=200)
    colours = np.random.default_rng(5).integers(0, 256, (labels.max() + 1, 3))
    palette = colours.astype(np.uint8)[labels]
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    targets = {"palette": palette, "rgb": palette, "labels": labels}
    write_cube(folder / "cube_00000.h5", counts, cal, metadata=meta, targets=targets)
    manifest = {"generator": "toy", "native": False, "cubes": [{"file": "cube_00000.h5"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_targets_of_another_size_are_named_before_the_models_run(tmp_path, capsys, monkeypatch):
    """evaluate said only "images differ in shape: (168, 168, 3) vs (32, 32, 3)", naming no file,
    after the DVE and SmallUViT had run on the cube (audit 7)."""
    import h5py
    import numpy as np

    import xrf_napari.analysis.embed as embed

    project = _toy_set(tmp_path / "project")
    exported = tmp_path / "exported"
    assert _export(project, "h5", exported) == 0
    with h5py.File(project / "cube_00000.h5", "r+") as f:
        small = f["targets/rgb"][:32, :32]
        del f["targets/rgb"]
        f["targets/rgb"] = small
    side = exported / "cube_00000.targets.npz"
    with np.load(side) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez_compressed(side, **{**arrays, "palette": arrays["palette"][:32, :32]})

    def no_models(*args, **kwargs):
        raise AssertionError("the models ran before the targets were checked")

    monkeypatch.setattr(embed, "iter_embed", no_models)
    capsys.readouterr()
    for data, said in (
        (project, f"{project / 'cube_00000.h5'}: targets rgb (32, 32, 3) do not match"),
        (exported, f"{exported / 'cube_00000.h5'}: targets palette (32, 32, 3) do not match"),
    ):
        argv = ["evaluate", "--data", str(data), "--device", "cpu", "--no-ari", "--no-progress"]
        assert main(argv) == 2, data
        err = capsys.readouterr().err
        assert said in err and "the cube's 168 x 168 px" in err, err
    assert "(targets from cube_00000.targets.npz)" in err


def test_eval_json_records_the_default_embedder_as_null_and_both_models_hashes(tmp_path):
    """eval.json said "embedder": "None" (a string) for the shipped DVE and held no hash of either
    model, so two evaluations of different weights could not be told apart (audit 8)."""
    torch = pytest.importorskip("torch")
    from xrf_napari.models.uvit import build_from_config
    from xrf_napari.models.weights import manifest, save_weights, sha256_of

    torch.manual_seed(0)
    model = build_from_config(
        {"patch": 8, "dim": 18, "depth": 3, "heads": 9, "mlp_ratio": 2.0, "head_hidden": 4}
        | {"img_size": 32}
    )
    uvit = tmp_path / "uvit.safetensors"
    save_weights(model.state_dict(), uvit, model.config)
    data, out = _toy_set(tmp_path / "set"), tmp_path / "ev"
    argv = ["evaluate", "--data", str(data), "--weights", str(uvit), "--out", str(out)]
    assert main(argv + ["--device", "cpu", "--no-ari", "--no-progress"]) == 0
    text = (out / "eval.json").read_text()
    result = json.loads(text)
    assert result["embedder"] is None and '"embedder": null' in text
    assert result["embedder_sha256"] == manifest()["dve"]["sha256"]
    assert result["weights"] == str(uvit) and result["weights_sha256"] == sha256_of(uvit)
