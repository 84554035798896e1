"""Session 60's command-line checks: in-process main(argv) calls, no subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
from _bench_scripts import CHECKOUT, load_module
from conftest import REAL_DATA as REAL
from test_cli59 import _help_of

SCRIPTS = sorted(p.name for p in (CHECKOUT / "scripts").glob("*.py"))


def _script(name: str):
    return load_module(CHECKOUT / "scripts" / name, f"_cli60_{Path(name).stem}")


def test_generate_offers_the_splits_in_split_takes():
    """`xrf-napari-train generate --split` repeated synth.dataset.in_split's list of splits in
    its own choices: one list (dataset.SPLITS) now, and the help's ~20 % its constant."""
    from xrf_napari.cli import CommandParser
    from xrf_napari.synth import cli, dataset

    parser = CommandParser()
    cli.configure(parser)
    (split,) = [a for a in parser._actions if "--split" in a.option_strings]
    assert tuple(split.choices) == dataset.SPLITS
    assert f"~{dataset.TEST_FRACTION_PERCENT} %% test split" in split.help


def test_pigments_labels_help_says_where_the_default_regions_come_from():
    """`xrf-napari pigments --help` said the default regions are "DVE + K-Means", though with
    --photo they are K-Means on the element lines and the photograph, and a spot scan is one."""
    told = " ".join(_help_of("pigments", "--labels").split())
    assert "with --photo, K-Means on the element lines and the photograph's colour" in told, told
    assert "a scan of fewer than 16 pixels (a spot spectrum) is one region" in told, told


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_script_stopped_by_ctrl_c_says_so_in_one_line(name, monkeypatch, capsys):
    """A Ctrl-C in any scripts/*.py program printed Python's traceback ending in
    KeyboardInterrupt (map_accuracy.py after 4 s: 9 lines); the commands say "interrupted", exit
    130. Each script's main now does too (cli.script_main). The interrupt lands here where every
    script reads its options (CommandParser.parse_args)."""
    from xrf_napari.cli import CommandParser

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(CommandParser, "parse_args", interrupted)
    mod = _script(name)
    try:
        code = mod.main([])
    except KeyboardInterrupt:
        pytest.fail(f"{name}: a Ctrl-C ended in a traceback")
    assert code == 130
    assert capsys.readouterr().err == f"{name}: interrupted\n"


def test_pigment_usage_refuses_drawing_options_with_a_training_set(tmp_path, capsys, monkeypatch):
    """`pigment_usage.py TRAIN_DIR --seed 5 --size 64` counted TRAIN_DIR's cubes, the drawing
    options read by nothing, and wrote the counts as if they applied."""
    mod = _script("pigment_usage.py")
    monkeypatch.setattr(mod, "count", lambda *a: pytest.fail("counted with drawing options"))
    out = tmp_path / "u.json"
    (tmp_path / "set").mkdir()
    with pytest.raises(SystemExit) as exc:
        mod.main([str(tmp_path / "set"), "--seed", "5", "--size", "64", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: --size, --seed only apply with --draw (how the recipes are drawn)" in err, err
    assert not out.exists()


def test_screenshot_pigments_names_a_text_cube_in_the_readers_words(tmp_path, capsys, monkeypatch):
    """`screenshot_pigments.py --cube notes.h5` said "not a synthetic cube (an HDF5 file):
    Unable to synchronously open file (file signature not found)"."""
    text = tmp_path / "notes.h5"
    text.write_text("not a cube", encoding="utf-8")
    mod = _script("screenshot_pigments.py")
    monkeypatch.setattr(mod, "_ensure_display", lambda: pytest.fail("napari started"))
    with pytest.raises(SystemExit) as exc:
        mod.main(["--cube", str(text)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: --cube {text}: not an HDF5 file: it does not start with" in err, err


def test_eval_suggestions_refuses_a_scan_that_is_no_generated_cube(capsys):
    """`eval_suggestions.py spacekeys_variant.rpl` (a real scan) ended in a KeyError 'profile'
    traceback: it records no synthesis, so no true elements."""
    rpl = REAL / "spacekeys_variant.rpl"
    if not rpl.is_file():
        pytest.skip(f"no real files at {REAL}")
    mod = _script("eval_suggestions.py")
    with pytest.raises(SystemExit) as exc:
        mod.main([str(rpl)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {rpl}: not a cube of xrf-napari-train generate: its metadata" in err, err


def test_make_physics_figures_names_an_spx_that_is_a_folder(tmp_path, capsys):
    """`make_physics_figures.py --real DIR` with DIR/bruker_m6_jetstream_file_example.spx a
    folder said "no bruker_m6_jetstream_file_example.spx in it"."""
    spx = tmp_path / "bruker_m6_jetstream_file_example.spx"
    spx.mkdir()
    mod = _script("make_physics_figures.py")
    with pytest.raises(SystemExit) as exc:
        mod.main(["--real", str(tmp_path), "--out", str(tmp_path / "figures")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: --real {tmp_path}: {spx} is a folder, not the real M6 spectrum" in err, err
    assert not (tmp_path / "figures").exists()


@pytest.mark.parametrize(
    "command, out", [("recolour", "rgb.png"), ("embed", "e"), ("pigments", "p")]
)
def test_a_scan_off_the_energy_grid_is_named_by_its_file(command, out, tmp_path, capsys):
    """`xrf-napari recolour spacekeys_variant.rpl` (its axis at -0.96 keV) said "spacekeys_variant:
    its energy axis runs from ...", the cube's name, not the file given (as the commands'
    other refusals name it)."""
    rpl = REAL / "spacekeys_variant.rpl"
    if not rpl.is_file():
        pytest.skip(f"no real files at {REAL}")
    from xrf_napari.cli.main import main

    assert main([command, str(rpl), "-o", str(tmp_path / out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"xrf-napari {command}: error: {rpl}: its energy axis runs from -0.956 to" in err, err
    assert list(tmp_path.iterdir()) == []
