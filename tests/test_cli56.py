"""Session 56, the command lines: an old spelling missing its value named as typed after the
option's own spelling was given one, and an empty value shown; generate's refusal of a
manifest.json it did not write (never replaced); a non-text anode refused; a synthetic cube's
targets read from external raw files; CommandParser's public home."""

from __future__ import annotations

import json

import pytest
from test_cli55 import _refusal

from xrf_napari.cli import main as cli_main
from xrf_napari.cli import train as cli_train


def test_an_old_spelling_missing_its_value_after_the_new_one_given_is_named(capsys):
    """`recolour ... --embedder A --embedder-weights` said "argument --embedder: expected one
    argument", naming the spelling that had its value; and `--embedder-weights= --embedder=A`
    showed the empty value as a double space ("--embedder-weights  and --embedder A"). Fails
    on the parent: both."""
    argv = ["recolour", "s.h5", "-o", "o.png", "--embedder", "A", "--embedder-weights"]
    err = _refusal(cli_main.main, argv, capsys)
    assert err.endswith("error: argument --embedder-weights: expected one argument"), err
    argv = ["recolour", "s.h5", "-o", "o.png", "--embedder-weights=", "--embedder=A"]
    err = _refusal(cli_main.main, argv, capsys)
    assert "--embedder-weights '' (empty) and --embedder A: the same option" in err, err


def _corrupt_set(tmp_path, seed: int):
    out = tmp_path / "set"
    out.mkdir(parents=True)
    (out / "manifest.json").write_text("{corrupt", encoding="utf-8")
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--seed", str(seed)]
    return out, [*argv, "--workers", "1", "--no-progress"]


def test_generate_refuses_a_manifest_it_did_not_write_and_keeps_it(tmp_path, capsys):
    """A folder holding a corrupt manifest.json and no cube: generate with an in-range seed
    replaced the file with its own without a word, and a --seed above 2**32 - 1 said the folder
    "holds no set". Both now name the file and what is wrong with it, and it is left as it was.
    Fails on the parent: exit 0 (the file replaced), and "holds no set"."""
    out, argv = _corrupt_set(tmp_path, 3)
    assert cli_train.main(argv) == 2
    err = capsys.readouterr().err
    said = f"{out / 'manifest.json'}, which is not JSON ("
    assert f"--out {out} holds {said}" in err and "move it aside or use another --out" in err, err
    assert (out / "manifest.json").read_text(encoding="utf-8") == "{corrupt"
    assert not any(out.glob("cube_*.h5"))
    _, argv = _corrupt_set(tmp_path / "big", 2**40)
    assert cli_train.main(argv) == 2
    err = capsys.readouterr().err
    assert "holds no set" not in err and "manifest.json, which is not JSON (" in err, err


def test_a_non_text_anode_is_read_or_refused_not_passed_over_for_the_files():
    """detector.named_anode(metadata, 45) (Rh's atomic number) returned the file's anode, as if
    none were given: it is Rh, as symbol_or_refuse reads 45 from a file or --anode; a value that
    is no atomic number is refused. Fails on the parent: Mo, and no ValueError."""
    import numpy as np

    from xrf_napari.detector import named_anode

    file_says_mo = {"instrument": {"anode": "Mo"}}
    assert named_anode(file_says_mo, 45) == "Rh"
    assert named_anode(file_says_mo, np.int64(42)) == "Mo"
    for bad in (45.5, True, 200, [45]):
        with pytest.raises(ValueError, match=r"is not an element symbol, name or atomic number"):
            named_anode(file_says_mo, bad)
    assert named_anode({}, "rh") == "Rh"  # a guard: text as before


def test_targets_kept_in_external_raw_files_read_from_another_folder(tmp_path, monkeypatch):
    """io.project_h5.read_targets read /targets/* with plain h5py, which looks for a relative
    external raw file in the working directory: a cube whose labels lie in a .raw file beside
    it (as read_cube and read_cube_arrays read from anywhere) failed "unable to open external
    raw data file" but from its own folder. Fails on the parent: that OSError."""
    import numpy as np
    from test_hdf44 import _external_scan

    from xrf_napari.io.project_h5 import read_targets

    labels = np.arange(12, dtype=np.int32).reshape(3, 4)
    path = _external_scan(tmp_path / "set", "cube.h5", "targets/labels", "labels.raw", labels)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    got = read_targets(path)
    assert list(got) == ["labels"]
    np.testing.assert_array_equal(got["labels"], labels)


def test_the_scripts_import_command_parser_from_its_public_home():
    """Every scripts/ and benchmarks/ program imported CommandParser from the private
    cli._dispatch; xrf_napari.cli exports it (the one class). Fails on the parent: ImportError."""
    from _bench_scripts import BENCH, CHECKOUT

    from xrf_napari.cli import CommandParser
    from xrf_napari.cli._dispatch import CommandParser as private

    assert CommandParser is private
    files = sorted((CHECKOUT / "scripts").rglob("*.py")) + sorted(BENCH.rglob("*.py"))
    text = {p: p.read_text(encoding="utf-8") for p in files}
    assert sum("from xrf_napari.cli import CommandParser" in t for t in text.values()) >= 30
    assert [p.name for p, t in text.items() if "cli._dispatch" in t] == []


def test_a_manifest_generate_wrote_is_no_foreign_one(tmp_path):
    """A guard: the refusal above leaves alone a set generate began (its manifest, no cube yet),
    which a rerun resumes, and a folder with no manifest.json."""
    from xrf_napari.synth.dataset import GenerateConfig, _manifest_head, foreign_manifest

    assert foreign_manifest(tmp_path) is None
    head = _manifest_head(GenerateConfig(out=str(tmp_path), n_cubes=1, size=16), None)
    (tmp_path / "manifest.json").write_text(json.dumps(head), encoding="utf-8")
    assert foreign_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text(json.dumps({"cubes": []}), encoding="utf-8")
    assert "is not one generate wrote" in foreign_manifest(tmp_path)


@pytest.mark.parametrize(
    "command, out, more",
    [
        ("generate", "set.png", ["--n-cubes", "1"]),
        ("export-set", "set.h5", ["--format", "h5"]),
        ("embedder", "dve.safetensors", []),
        ("recolouriser", "uvit.safetensors", []),
        ("evaluate", "eval.md", []),
    ],
)
def test_a_trainer_out_named_like_a_file_is_refused(command, out, more, tmp_path, capsys):
    """`xrf-napari-train generate --out set.png` made a folder "set.png" holding the set, as
    `embedder --out dve.safetensors` did its weights folder: every trainer's --out is a folder,
    refused before any work where its new name ends like a file, as the xrf-napari commands'
    --output is. Fails on the parent: the folder made (or, for --data missing, another refusal)."""
    data = [] if command == "generate" else ["--data", str(tmp_path / "nosuch")]
    argv = [command, "--out", str(tmp_path / out), *data, *more, "--no-progress"]
    assert cli_train.main(argv) == 2
    err = capsys.readouterr().err
    stem = out.split(".")[0]
    assert f"error: --out {tmp_path / out}: names a file (.{out.split('.')[1]}); {command} " in err
    assert f"give a folder, e.g. {tmp_path / stem}" in err, err
    assert not (tmp_path / out).exists()


@pytest.mark.parametrize("argv", [["--kv", "1e400"], ["--kv=-1E999"]])
def test_a_number_too_large_for_a_float_is_named_as_typed(argv, capsys):
    """`quicklook --kv 1e400` was refused as "inf is out of range", a value not typed (float()
    reads 1e400 as inf); so were the trainers' positive numbers (`--lr 1e400`). Fails on the
    parent: "inf" / "-inf"."""
    typed = argv[-1].split("=")[-1]
    err = _refusal(cli_main.main, ["quicklook", "s.h5", "-o", "maps", *argv], capsys)
    assert err.endswith(
        f"error: argument --kv: {typed} is out of range: it must be at least 5 and at most 60 kV"
    ), err
    err = _refusal(
        cli_train.main, ["embedder", "--data", "d", "--out", "o", "--lr", "1e400"], capsys
    )
    assert err.endswith("error: argument --lr: 1e400 is out of range: it must be above 0"), err
    err = _refusal(cli_main.main, ["quicklook", "s.h5", "-o", "maps", "--kv", "inf"], capsys)
    assert err.endswith(
        "error: argument --kv: inf is out of range: it must be at least 5 and at most 60 kV"
    ), err  # a guard: an infinity typed is named so


@pytest.mark.parametrize(
    "script, argv, said",
    [
        ("ood_scores", ["{missing}"], "{missing}: no such file or folder"),
        ("ood_scores", ["{empty}"], "{empty}: a folder holding no cube (*.h5)"),
        ("ood_scores", ["--max-cubes", "-1", "{empty}"], "--max-cubes: -1 is out of range"),
        ("pigment_table_ceiling", ["{missing}"], "{missing}: no such folder"),
        ("swatch_summary", ["{missing}"], "give LABEL=GLOB"),
        ("swatch_summary", ["a={missing}/*.json"], "no file matches {missing}/*.json"),
    ],
)
def test_scripts_refuse_inputs_that_hold_nothing(script, argv, said, tmp_path, capsys):
    """scripts/ood_scores.py given a missing folder (or one holding no cube) printed nothing and
    exited 0, and took `--max-cubes -1` (each folder's last cube dropped); pigment_table_ceiling.py
    printed "| all 0 swatches | nan (0 above 15) |"; swatch_summary.py given `x.json` for
    LABEL=GLOB said "no swatch rows in " (an empty pattern). Each is refused at parsing, naming
    it. Fails on the parent: no SystemExit 2."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_cli56_{script}")
    (tmp_path / "empty").mkdir()
    names = {"missing": tmp_path / "nosuch", "empty": tmp_path / "empty"}
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    assert said.format(**names) in capsys.readouterr().err


def test_generate_starts_no_more_processes_than_cubes(tmp_path, monkeypatch):
    """`xrf-napari-train generate --workers 100000 --n-cubes 2` started a process pool of
    100,000 (over 1,000 processes within seconds, for two cubes); it starts one per cube to
    make. The pool is stood in for here: it records its size and stops the run. Fails on the
    parent: 100000."""
    import multiprocessing

    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset

    class Started(Exception):
        pass

    sizes = []

    class Context:
        def Pool(self, processes, **kwargs):  # noqa: N802 (multiprocessing's name)
            sizes.append(processes)
            raise Started

    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: Context())
    cfg = GenerateConfig(out=str(tmp_path / "set"), n_cubes=2, size=16)
    with pytest.raises(Started):
        generate_dataset(cfg, workers=100_000, progress=False)
    assert sizes == [2]
