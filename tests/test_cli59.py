"""Session 59's command-line checks: in-process main(argv) calls, no subprocess."""

from __future__ import annotations

import sys

import pytest
from test_revC58 import recolouriser_run  # noqa: F401  (a fixture)


@pytest.mark.parametrize(
    "want, told",
    [
        (
            "dve",
            "is a trainer's checkpoint (torch.save), not a weights file, and its run trained the "
            "SmallUViT (recolouriser) (pixel_mlp.safetensors, its baseline, beside it): give DVE "
            "(embedder) weights (dve.safetensors of a run that trained one)",
        ),
        (
            "SmallUViT",
            "is a trainer's checkpoint (torch.save), not a weights file: its run finished "
            "(pixel_mlp.safetensors beside it, written after uvit.safetensors) but its "
            "uvit.safetensors is not beside it: give that file",
        ),
    ],
)
def test_a_checkpoint_beside_only_its_baseline_names_a_finished_recolouriser_run(
    recolouriser_run,  # noqa: F811
    want,
    told,
):
    """`embed --weights RUN/checkpoint.pt` beside only pixel_mlp.safetensors (a recolouriser's
    run, whose uvit.safetensors was moved) was told "its run writes dve.safetensors when it
    finishes (none beside it yet)": that run trains no DVE, and it has finished (the baseline is
    written after uvit.safetensors)."""
    from xrf_napari.models.weights import WeightsError, require_weights_file

    (recolouriser_run / "uvit.safetensors").unlink()
    with pytest.raises(WeightsError) as err:
        require_weights_file(recolouriser_run / "checkpoint.pt", want)
    said = str(err.value)
    assert told in said, said
    assert "when it finishes" not in said, said


def _help_of(command: str, option: str) -> str:
    """The help of `option` of `xrf-napari command`, as its parser holds it (no --help run)."""
    import argparse
    import importlib

    from xrf_napari.cli.main import COMMANDS

    parser = argparse.ArgumentParser()
    importlib.import_module(COMMANDS[command][0]).configure(parser)
    (action,) = [a for a in parser._actions if option in a.option_strings]
    return action.help


def test_quicklook_kv_help_says_it_decides_the_maps_notes():
    """`quicklook --kv` was "tube voltage in kV, 5-60, of the suggested elements": it also
    decides which maps are said to read a line the tube cannot excite ("Hg Lα cannot be excited
    here: the tube's 12 kV (given) stays below Hg's L3 edge", in the map's title), for elements
    named with --elements too."""
    said = _help_of("quicklook", "--kv")
    assert said.startswith(
        "tube voltage in kV, 5-60, of the suggested elements and the maps (a map of a line the "
        "tube cannot excite at that voltage says so in its title)"
    ), said
    # pigments' --kv (its forward model) keeps its own words
    assert "maps" not in _help_of("pigments", "--kv")


@pytest.mark.parametrize(
    "cast, told",
    [
        ("1,x,1", "'1,x,1': 'x' is not a number"),
        ("1.1,0.8", "'1.1,0.8' is not three gains R,G,B separated by commas, e.g. 1.1,1.0,0.8"),
        ("1,-1,1", "'1,-1,1': -1 is out of range: it must be above 0"),
    ],
)
def test_eval_pigments_photo_cast_names_what_is_wrong(cast, told, capsys):
    """`eval_pigments.py SET --photo --photo-cast 1,x,1` said "invalid <lambda> value"; two gains
    or a negative one passed parsing (a broadcast traceback after the set was read, or a
    photograph of clipped channels)."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "eval_pigments.py", "_cli59_eval_pigments")
    with pytest.raises(SystemExit) as exc:
        mod.main([str(CHECKOUT / "sample_data"), "--photo", "--photo-cast", cast])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument --photo-cast: {told}" in err, err
    assert "lambda" not in err


@pytest.mark.parametrize(
    "argv, told",
    [
        (
            ["--k", "50"],
            # said "must be between 0 and 30", offering the refused 1 (fixed in session 60)
            "argument --k: 50 is out of range: give 2 to 30, or 0 (automatic)",
        ),
        (["--k", "-3"], "argument --k: -3 is out of range: give 2 to 30, or 0 (automatic)"),
        (["--k", "1"], "argument --k: 1 is no segmentation: give 2 to 30, or 0 (automatic)"),
        (["--device", "cuda:1"], "argument --device: invalid choice: 'cuda:1'"),
    ],
)
def test_screenshots_refuses_what_its_docks_would_clamp_or_ignore(argv, told, capsys, monkeypatch):
    """scripts/screenshots.py --k 50 set the Embed & cluster spin box, which clamped it to 30
    (--k -3 and 1 to automatic), and --device cuda:1 was set on combo boxes that hold no such
    item (left as they were): shots of settings not asked for, without a word. Refused at
    parsing, before any display or viewer."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "screenshots.py", "_cli59_screenshots")
    # past parsing it starts napari (under xvfb-run where there is no display): never here
    monkeypatch.setattr(mod, "_ensure_display", lambda: pytest.fail(f"{argv} was taken"))
    with pytest.raises(SystemExit) as exc:
        mod.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert told in err, err


def test_table_panels_refuses_a_missing_table_before_making_its_folder(tmp_path, capsys):
    """`table_panels.py OUT --table missing.csv` made OUT, then failed in a traceback
    (ValueError from physics.pigments.resolve_table), leaving OUT empty."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "table_panels.py", "_cli59_table_panels")
    out = tmp_path / "panels"
    with pytest.raises(SystemExit) as exc:
        mod.main([str(out), "--table", str(tmp_path / "missing.csv"), "--anodes", "Rh"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: --table: pigment table " in err, err
    assert "missing.csv': no such file; give a CSV file or one of the shipped" in err, err
    assert not out.exists()


def test_pigment_usage_refuses_an_unknown_instrument_family(tmp_path, capsys, monkeypatch):
    """`pigment_usage.py --draw IMAGES --profiles bogus` drew the paintings' recipes, then
    failed in a traceback ("unknown profile family 'bogus'"); given neither a set nor --draw it
    said "..., not both"."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "pigment_usage.py", "_cli59_pigment_usage")
    monkeypatch.setattr(mod, "draw", lambda *a, **k: pytest.fail("drew with --profiles bogus"))
    (tmp_path / "paintings").mkdir()
    argv = ["--draw", str(tmp_path / "paintings"), "--profiles", "bogus"]
    argv += ["--out", str(tmp_path / "u.json")]
    with pytest.raises(SystemExit) as exc:
        mod.main(argv)
    assert exc.value.code == 2
    assert "argument --profiles: invalid choice: 'bogus'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        mod.main(["--out", str(tmp_path / "u.json")])
    err = capsys.readouterr().err
    assert "error: give a training set folder or --draw IMAGES_DIR\n" in err, err


@pytest.mark.parametrize(
    "argv, told",
    [
        (["--cube", "{missing}"], "argument --cube: {missing}: no such file"),
        (["--cube", "{scan}"], "--cube {scan}: no true regions (targets/labels) in it"),
        (["--find-regions"], "--find-regions needs --photo"),
    ],
)
def test_screenshot_pigments_refuses_before_napari_starts(
    argv, told, tmp_path, monkeypatch, capsys
):
    """scripts/screenshot_pigments.py --cube missing.h5 (or a scan without true regions, or
    --find-regions without --photo) started napari, opened a viewer and failed there, in a
    traceback (FileNotFoundError from napari, KeyError 'labels') or an error."""
    import numpy as np
    from _bench_scripts import CHECKOUT, load_module

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    scan = write_cube(tmp_path / "scan.h5", np.ones((4, 4, 64), np.uint16), Calibration(0, 0.05))
    names = {"missing": str(tmp_path / "missing.h5"), "scan": str(scan)}
    mod = load_module(CHECKOUT / "scripts" / "screenshot_pigments.py", "_cli59_shot_pigments")
    monkeypatch.setattr(mod, "_ensure_display", lambda: pytest.fail(f"{argv} was taken"))
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert told.format(**names) in err, err


@pytest.mark.parametrize(
    "axis, told",
    [
        ("+0.3xkeV", "argument --axis: '+0.3xkeV': '+0.3x' is not a number"),
        ("true,bogus", "argument --axis: 'bogus': not one of true, +0.3keV, x1.25 or rev"),
    ],
)
def test_ood_scores_refuses_an_axis_it_cannot_read(axis, told, tmp_path, capsys):
    """`ood_scores.py SET --axis +0.3xkeV` printed every cube "refused: could not convert string
    to float", as if the models had refused the scans, exit 0; an unknown spec exited 1 once the
    first cube was read. Refused at parsing, exit 2."""
    import numpy as np
    from _bench_scripts import CHECKOUT, load_module

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    write_cube(tmp_path / "cube_00000.h5", np.ones((4, 4, 64), np.uint16), Calibration(0, 0.05))
    mod = load_module(CHECKOUT / "scripts" / "ood_scores.py", "_cli59_ood_scores")
    with pytest.raises(SystemExit) as exc:
        mod.main([str(tmp_path), "--axis", axis])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert told in err, err


def test_make_physics_figures_refuses_before_making_its_folder(tmp_path, capsys, monkeypatch):
    """`make_physics_figures.py --real WRONG --out NEW` made NEW, then failed in a traceback
    (FileNotFoundError for the .spx); `--out notes.txt` (a file) in one (FileExistsError)."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "make_physics_figures.py", "_cli59_physics_figs")
    new = tmp_path / "figures"

    def main(argv):  # its command line (main took none before)
        monkeypatch.setattr(sys, "argv", ["make_physics_figures.py", *argv])
        return mod.main()

    with pytest.raises(SystemExit) as exc:
        main(["--real", str(tmp_path), "--out", str(new)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: --real {tmp_path}: no bruker_m6_jetstream_file_example.spx in it" in err, err
    assert not new.exists()
    (tmp_path / "bruker_m6_jetstream_file_example.spx").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["--real", str(tmp_path), "--out", str(tmp_path / "notes.txt")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: --out: output folder " in err and "exists and is not a folder" in err, err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_eval_suggestions_refuses_a_file_that_is_no_cube_before_any_survey(tmp_path, capsys):
    """`eval_suggestions.py cube.h5 notes.txt` surveyed cube.h5, then failed in a CubeReadError
    traceback on notes.txt. Every file is opened first; one that is no cube is an argparse error
    naming it, exit 2."""
    from _bench_scripts import CHECKOUT, load_module

    notes = tmp_path / "notes.txt"
    notes.write_text("not a cube", encoding="utf-8")
    mod = load_module(CHECKOUT / "scripts" / "eval_suggestions.py", "_cli59_eval_suggestions")
    with pytest.raises(SystemExit) as exc:
        mod.main([str(notes)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {notes}: unsupported file type '.txt'" in err, err
