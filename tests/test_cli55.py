"""Session 55, the command lines: an option's old spelling named as typed, and refused beside its
new one giving another file; generate's --counts-per-pixel refused as it parses, and its --seed
above 2**32 - 1 still resuming the set an earlier version made with it; the scripts' and
benchmarks' options given in full; a lower-case anode given to the training-data check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xrf_napari.cli import main as cli_main
from xrf_napari.cli import train as cli_train


def _refusal(entry, argv, capsys) -> str:
    """The last line of `entry(argv)`'s refusal at parsing (SystemExit 2)."""
    with pytest.raises(SystemExit) as exc:
        entry(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


@pytest.mark.parametrize(
    "typed, shown, named",
    [("--embedder-weights", "--embedder", "--embedder"), ("--out", "--output", "--output/-o")],
)
def test_an_old_spelling_missing_its_value_is_named_as_typed(typed, shown, named, capsys):
    """`recolour ... --embedder-weights` (--embedder's old name, still read) with no value said
    "argument --embedder: expected one argument", an option the user had not typed; so did
    `--out` (read as --output). Fails on the parent: the new name."""
    output = [] if typed == "--out" else ["-o", "o.png"]
    err = _refusal(cli_main.main, ["recolour", "s.h5", *output, typed], capsys)
    assert err.endswith(f"error: argument {typed}: expected one argument"), err
    # a guard: the option's own spelling is named as argparse names it
    err = _refusal(cli_main.main, ["recolour", "s.h5", "--weights", "w", shown], capsys)
    assert err.endswith(f"error: argument {named}: expected one argument"), err


def test_two_spellings_of_one_option_giving_two_files_are_refused(tmp_path, capsys):
    """`recolour --embedder-weights A --embedder B` used B, the last, without a word, and its
    refusals named --embedder whichever file they were about; `--embedder B --embedder-weights
    A` used A, still named --embedder. Both spellings with different files are refused, naming
    both. Fails on the parent: the command ran (to the missing scan)."""
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    for path in (a, b):
        path.write_bytes(b"")
    argv = ["recolour", str(tmp_path / "none.h5"), "-o", str(tmp_path / "o.png")]
    err = _refusal(cli_main.main, [*argv, "--embedder-weights", str(a), f"--embedder={b}"], capsys)
    assert err.endswith(
        f"error: --embedder-weights {a} and --embedder {b}: the same option (--embedder), given "
        "two different values; give one"
    ), err
    # a guard: the same file both ways is taken (the run goes on to the missing scan)
    assert cli_main.main([*argv, "--embedder", str(a), "--embedder-weights", str(a)]) == 2
    assert "none.h5: no such file" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-3", "nan", "inf", "2e9"])
def test_generate_refuses_a_count_level_out_of_range_as_it_parses(value, capsys):
    """--counts-per-pixel 0 (or nan, 2e9) parsed, and run() refused it later in words of its
    own ("--counts-per-pixel must be positive, finite and at most 1e+09 ..."), where the other
    numbers of generate are argparse's refusals (session 54). Fails on the parent: it parsed."""
    from test_cliopts54 import _parser

    parser = _parser("xrf-napari-train", "generate")
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "o", "--n-cubes", "1", "--counts-per-pixel", value])
    fault = "is not a number" if value == "nan" else "is out of range"  # session 63
    said = f"{value} {fault}: it must be above 0 and at most 1e+09"  # as typed
    assert f"error: argument --counts-per-pixel: {said}" in capsys.readouterr().err
    ns = parser.parse_args(["--out", "o", "--n-cubes", "1", "--counts-per-pixel", "1e9"])
    assert ns.counts_per_pixel == 1e9  # a guard: the bound itself is taken


def _old_set(out: Path, seed: int, n_cubes: int = 1) -> list[str]:
    """A set an earlier version made with `seed` (its manifest.json, the config it recorded,
    and its one cube, as small as read back), and the command line that made it."""
    import h5py
    import numpy as np

    from xrf_napari.synth.dataset import GenerateConfig, _manifest_head

    out.mkdir()
    head = _manifest_head(GenerateConfig(out=str(out), n_cubes=n_cubes, size=16, seed=seed), None)
    head["code"] = {"version": "0.0.1"}  # an earlier version's (not an option of the set)
    (out / "manifest.json").write_text(json.dumps(head), encoding="utf-8")
    with h5py.File(out / "cube_00000.h5", "w") as f:
        f.attrs["metadata"] = json.dumps({"profile": {"anode": "Rh"}})
        f["counts"] = np.zeros((16, 16, 2), np.uint16)
    return ["generate", "--out", str(out), "--n-cubes", str(n_cubes), "--size", "16"] + [
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--no-progress",
    ]


def test_a_set_made_with_a_seed_above_2_32_resumes_with_its_own_command(tmp_path, capsys):
    """Session 54 refused a --seed above 2**32 - 1 at parsing (the trainers' bound), which
    generate took before: a set an earlier version made with `--seed 1099511627776` (its
    manifest records it) could no longer be finished or resumed with its own command line, and
    the refusal said nothing of it. The recorded seed is taken for that set; a new set is
    refused, saying a larger seed only resumes one. Fails on the parent: SystemExit 2."""
    seed = 2**40
    out = tmp_path / "old"
    argv = _old_set(out, seed)
    assert cli_train.main(argv) == 0, capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == seed and [c["file"] for c in manifest["cubes"]] == ["cube_00000.h5"]
    assert manifest["code"] == {"version": "0.0.1"}  # the set's own record kept
    new = tmp_path / "new"
    argv[argv.index(str(out))] = str(new)
    assert cli_train.main(argv) == 2
    err = capsys.readouterr().err
    assert (
        f"error: argument --seed: {seed} is out of range: a seed must be between 0 and "
        f"4294967295; a larger one only resumes the set an earlier version made with it, and "
        f"--out {new} holds no set"
    ) in err, err
    assert not new.exists()
    other = _old_set(tmp_path / "other", 7)  # another seed's set: named
    other[other.index("7")] = str(seed)
    assert cli_train.main(other) == 2
    assert "holds a set of --seed 7" in capsys.readouterr().err


def _scripts() -> list[Path]:
    from _bench_scripts import BENCH, CHECKOUT

    return sorted((CHECKOUT / "scripts").glob("*.py")) + sorted(BENCH.glob("*.py"))


def test_the_scripts_and_benchmarks_read_options_as_the_commands_do():
    """The commands refuse an option typed in part (allow_abbrev=False, "did you mean", session
    54), but scripts/*.py and benchmarks/*.py built argparse's own parser: `ari_pooling.py d
    --forc` ran as --force, `--he` printed the help. Each builds the commands' CommandParser.
    Fails on the parent: 35 files build argparse.ArgumentParser."""
    plain = [p.name for p in _scripts() if "argparse.ArgumentParser(" in p.read_text("utf-8")]
    assert plain == []


def test_a_script_and_a_benchmark_refuse_an_option_typed_in_part(monkeypatch, capsys):
    """`scripts/swatch_summary.py --he` and `benchmarks/bench_synth.py --he` printed the help
    (exit 0), read as --help. Fails on the parent: exit 0."""
    import sys

    from _bench_scripts import CHECKOUT, load_module, load_script

    script = load_module(CHECKOUT / "scripts" / "swatch_summary.py", "_script_swatch_summary")
    monkeypatch.setattr(sys, "argv", ["bench_synth.py", "--he"])  # its main reads sys.argv
    for run in (lambda: script.main(["--he"]), load_script("bench_synth").main):
        with pytest.raises(SystemExit) as exc:
            run()
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "unrecognized option '--he': did you mean -h/--help?" in err, err


def test_a_lower_case_anode_is_read_as_its_symbol(tmp_path):
    """check_scan(anode="w") (the API's, as a dock's Tube box or a script gives it) warned "tube
    anode w (trained on Rh, W, Cu)" of a trained tube, and reported anode "w"; the element
    suggestion's instrument record said "w" where W gave "W". The anode is read as its symbol
    where it enters (detector.named_anode). Fails on the parent: "w"."""
    from _napari_helpers import cu_tube_scan, tiny_weights

    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.analysis.peaks import suggestion_instrument
    from xrf_napari.io import read_cube

    dve, _ = tiny_weights(tmp_path)
    cube = read_cube(cu_tube_scan(tmp_path / "none.h5"), auto_calibrate=False)  # it has one
    report = check_scan(cube, dve, n=64, anode="w")
    assert report.anode == "W"
    assert not [r for r in report.reasons if "anode" in r], report.reasons
    assert suggestion_instrument(cube, anode="w")["anode"] == "W"
