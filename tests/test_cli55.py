"""Session 55, the command lines: an option's old spelling named as typed, and refused beside its
new one giving another file; the scripts' and benchmarks' options given in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from xrf_napari.cli import main as cli_main


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
