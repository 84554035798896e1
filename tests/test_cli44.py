"""A new user's walk through the command line (session 44).

quicklook's element suggestion depends on the instrument (cadmium, tin and antimony are judged by
their L lines only under a polycapillary lens whose tube is known), and --anode/--kv/--optic/
--atmosphere now replace the file's; but neither its printout nor its spectrum plot said which
instrument the suggestion was made for: a folder made with --optic lens looked like one made
without it, and an M6 .rpl (no tube, optic or gas in its header) gave no word that all four were
unknown or assumed. pigments' report says its instrument; quicklook now does too.
"""

import matplotlib

matplotlib.use("Agg")

import pytest
from _synth_spectra import synthetic_cube

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration


@pytest.fixture(scope="module")
def counts():
    """A 2 x 2 scan of Fe, Ca and Pb lines under a Rh tube, 512 channels of 50 eV."""
    return synthetic_cube(0.0, 0.05, 512, shape=(2, 2))


def _titles(monkeypatch) -> list[str]:
    """Every title quicklook sets on a plot, recorded."""
    from matplotlib.axes import Axes

    seen = []
    real = Axes.set_title

    def set_title(self, label, *args, **kwargs):
        seen.append(str(label))
        return real(self, label, *args, **kwargs)

    monkeypatch.setattr(Axes, "set_title", set_title)
    return seen


def _quicklook(path, out, capsys, *extra) -> str:
    rc = main(["quicklook", str(path), "-o", str(out), "--elements", "Fe", "--no-progress", *extra])
    assert rc == 0
    return capsys.readouterr().err  # a note, as pigments' instrument notes


def test_quicklook_says_which_instrument_the_suggestion_was_made_for(
    tmp_path, capsys, monkeypatch, counts
):
    from xrf_napari.io import ripple
    from xrf_napari.io.project_h5 import write_cube

    titles = _titles(monkeypatch)
    rpl = ripple.write(tmp_path / "m6.rpl", counts, Calibration(0.0, 0.05, source="file"))

    # an .rpl names no tube, optic or gas: each part says so and which option tells it; the Rh
    # tube its scattered lines show under the file's calibration, as info and Pigments say it
    out = _quicklook(rpl, tmp_path / "a", capsys)
    said = next(line for line in out.splitlines() if "instrument of the suggestion" in line)
    read = "Rh tube (the file names none: read from the scan's scattered tube lines)"
    for part in (read, "kV unknown", "--kv", "collimator", "--optic"):
        assert part in said, said
    assert "air (the file names none; --atmosphere)" in said
    assert f"instrument of the suggestion: {read}" in " ".join(titles[0].split())

    # the same scan told the M6's instrument: every part "given", in the printout and the plot
    titles.clear()
    given = ["--anode", "rh", "--kv", "50", "--optic", "lens", "--atmosphere", "helium"]
    out = _quicklook(rpl, tmp_path / "b", capsys, *given)
    expect = "Rh tube (given), 50 kV (given), polycapillary lens (given), helium (given)"
    assert f"instrument of the suggestion: {expect}" in out
    assert expect in " ".join(titles[0].split())

    # a file naming its instrument: the file's; an option replaces that part alone
    h5 = write_cube(
        tmp_path / "named.h5",
        counts,
        Calibration(0.0, 0.05, source="file"),
        metadata={"anode": "W", "kv": 35, "optic": "lens", "atmosphere": "helium"},
    )
    out = _quicklook(h5, tmp_path / "c", capsys, "--optic", "collimator")
    assert (
        "instrument of the suggestion: W tube (the file's), 35 kV (the file's), collimator "
        "(given), helium (the file's)"
    ) in out


@pytest.mark.parametrize("command", ["embedder", "evaluate", "export-set"])
def test_an_output_inside_the_training_set_is_not_told_the_set_was_meant_as_a_file(
    tmp_path, capsys, command
):
    """`xrf-napari-train embedder --data data/train --out data/train/run` was refused with
    "...the input folder data/train: choose another output; or, if data/train was meant to be a
    file (weights, labels, a photo), it is a folder: give the file": --data is a folder by
    design. Now only "choose another output, outside it"; a folder given for a file input keeps
    the advice (test_cli_audit25_recolour)."""
    from xrf_napari.cli.train import main as train_main

    data = tmp_path / "train"
    data.mkdir()
    (data / "manifest.json").write_text("{}", encoding="utf-8")
    extra = {"export-set": ["--format", "h5"], "embedder": ["--steps", "1"]}.get(command, [])
    argv = [command, "--data", str(data), "--out", str(data / "run"), *extra]
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert f"the input folder {data}: choose another output, outside it" in err, err
    assert "meant to be a file" not in err and len(err.strip().splitlines()) == 1, err
    assert not (data / "run").exists()


def _parsers():
    """(command, parser) of every `xrf-napari` and `xrf-napari-train` command."""
    import argparse
    import importlib

    from xrf_napari.cli import main as cli_main
    from xrf_napari.cli import train as cli_train

    for commands in (cli_main.COMMANDS, cli_train.COMMANDS):
        for name, (module, _) in commands.items():
            parser = argparse.ArgumentParser(prog=name)
            importlib.import_module(module).configure(parser)
            yield name, parser


def test_every_option_with_a_default_says_it_in_its_help():
    """`embed --help` gave --chunk-pixels and --seed with no default (65536, 0); `generate`'s
    --profiles, --kind, --pigment-table, --swatch-fraction, --bare-ground and --character, and
    `evaluate`'s --grid, likewise: a user could not tell what leaving them out does. Every option
    whose default is a value (not None, not a flag) now names it in its help as the code holds it.
    --device's 'auto' is the first of its listed choices, the way every command states it."""
    import argparse

    missing = []
    for name, parser in _parsers():
        for action in parser._actions:
            default = action.default
            if (
                not action.option_strings
                or default is None
                or default is argparse.SUPPRESS
                or isinstance(default, bool)
                or action.dest == "device"
            ):
                continue
            text = " ".join(parser._get_formatter()._expand_help(action).split())  # %(default)s
            value = f"{default:g}" if isinstance(default, float) else str(default)
            if "default" not in text or value not in text:
                missing.append((name, action.option_strings[0], default))
    assert not missing, missing


@pytest.mark.parametrize(
    "argv, option",
    [
        (["xrf-napari", "info", ""], "input"),
        (["xrf-napari", "pigments", "SCAN", "-o", "OUT", "--labels", ""], "--labels"),
        (["xrf-napari", "pigments", "SCAN", "-o", "OUT", "--photo", ""], "--photo"),
        (["xrf-napari", "embed", "SCAN", "-o", "OUT", "--weights", ""], "--weights"),
        (["xrf-napari-train", "embedder", "--data", "", "--out", "OUT"], "--data"),
    ],
)
def test_an_empty_input_path_is_refused_naming_its_option(tmp_path, capsys, argv, option):
    """An empty path read (an unset "$LABELS") was taken as ".": `pigments --labels ""` said
    "output folder OUT is, or lies inside, the input folder .: ... if . was meant to be a file",
    `info ""` ".: unsupported file type". Now refused as an empty --output is, naming the option,
    exit 2, before the scan is read."""
    from xrf_napari.cli.main import main as cli_main
    from xrf_napari.cli.train import main as train_main

    scan = tmp_path / "scan.npy"
    argv = [str(scan) if a == "SCAN" else str(tmp_path / "out") if a == "OUT" else a for a in argv]
    run = cli_main if argv[0] == "xrf-napari" else train_main
    with pytest.raises(SystemExit) as stop:
        run(argv[1:])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith(f"error: argument {option}: is empty (an unset variable?); name the input")
    assert not (tmp_path / "out").exists()
