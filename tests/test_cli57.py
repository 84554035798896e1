"""Session 57, cli57: the commands (xrf-napari, xrf-napari-train), their core and scripts/."""

import numpy as np
import pytest
from test_uncal56 import no_models  # noqa: F401  (a fixture: loading a model fails the test)

from xrf_napari.cube import cube_from_array


@pytest.mark.parametrize("call", ["iter_embed", "iter_recolour", "check_scan"])
def test_the_core_refuses_an_uncalibrated_scan_before_any_model(call, no_models):  # noqa: F811
    """Only the commands and docks refused a scan without an energy calibration: iter_embed,
    iter_recolour and check_scan, called from Python, loaded the models and read channel numbers
    as keV, into colours and regions, with a line in the training-data note, "no energy
    calibration: channel numbers were read as energies"."""
    from xrf_napari.analysis import embed, ood, recolour

    cube = cube_from_array(np.ones((4, 4, 64), np.uint16), name="flat")
    fn = {
        "iter_embed": lambda: next(embed.iter_embed(cube, device="cpu")),
        "iter_recolour": lambda: recolour.iter_recolour(cube, device="cpu"),
        "check_scan": lambda: ood.check_scan(cube),
    }[call]
    said = "no energy calibration, so its lines cannot be read by the models: "
    with pytest.raises(ValueError, match=said):
        fn()


@pytest.mark.parametrize(
    "written, key",
    [
        ('{"lr": Infinity}', "lr is Infinity"),
        ('{"steps": -Infinity}', "steps is -Infinity"),
        ('{"model": {"hidden": [128, NaN]}}', "model.hidden[1] is NaN"),
    ],
)
@pytest.mark.parametrize("command", ["embedder", "recolouriser"])
def test_a_config_infinity_or_nan_is_refused_by_its_key(command, written, key, tmp_path, capsys):
    """json reads Infinity and NaN, which JSON has not: a config's "lr": Infinity was refused as
    "lr: inf is out of range", a value the file does not hold, and "steps": -Infinity as "must be
    a whole number, not -inf"."""
    from xrf_napari.cli.train import main

    config = tmp_path / "c.json"
    config.write_text(written, encoding="utf-8")
    (tmp_path / "d").mkdir()
    argv = [command, "--data", str(tmp_path / "d"), "--out", str(tmp_path / "o")]
    assert main([*argv, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"error: --config {config}: {key}: a config's numbers must be finite" in err, err
    assert "inf is" not in err and "nan is" not in err and "not -inf" not in err, err
    assert not (tmp_path / "o").exists()


def test_scripts_say_a_file_given_for_a_folder(tmp_path, capsys):
    """scripts/pigment_table_ceiling.py given a file said "no such folder, or it holds no
    cube_*.h5" of a file that is there; it reads its folders with argtypes.existing, as the other
    scripts do (ood_scores.py too, which takes files and folders)."""
    from _bench_scripts import CHECKOUT, load_module

    scan = tmp_path / "cube_0.h5"
    scan.write_bytes(b"")
    mod = load_module(CHECKOUT / "scripts" / "pigment_table_ceiling.py", "_cli57_ceiling")
    with pytest.raises(SystemExit) as exc:
        mod.main([str(scan)])
    assert exc.value.code == 2
    assert f"{scan} is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "script, argv, said",
    [
        ("ari_ceilings", ["--data", "{empty}"], "argument --data: no cubes (*.h5) in {empty}"),
        ("ari_pooling", ["{empty}"], "argument data: no cubes (*.h5) in {empty}"),
        ("colour_ceiling", ["--train", "{empty}", "--test", "{empty}"], "no cubes (*.h5) in"),
        ("pigment_error_sources", ["{empty}"], "argument data: no cubes (*.h5) in {empty}"),
        ("pigment_misfit", ["{empty}"], "argument data: no cubes (*.h5) in {empty}"),
        ("pigment_misfit", ["--cubes", "-1", "{empty}"], "--cubes: -1 is out of range"),
        ("eval_physics_recolour", ["{missing}"], "argument data: {missing}: no such folder"),
        ("eval_physics_recolour", ["{empty}"], "no cubes (*.h5) in {empty}"),
        ("eval_pigments", ["{missing}"], "{missing}: no such file or folder"),
        ("eval_pigments", ["{empty}"], "{empty}: a folder holding no cube (cube_*.h5)"),
    ],
)
def test_scripts_refuse_an_empty_or_missing_set_in_one_line(script, argv, said, tmp_path, capsys):
    """The scripts that read a generated set failed with a traceback on an empty folder
    ("ValueError: no cubes (*.h5) in X", pigment_misfit.py after printing its table's header),
    eval_pigments.py on a missing one (CubeReadError), and eval_pigments.py given an empty
    folder printed tables of "0 of 0 regions", exit 0. Each is refused at parsing
    (training.data.cube_set, existing), naming it, exit 2, nothing on stdout."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_cli57_{script}")
    (tmp_path / "empty").mkdir()
    names = {"missing": tmp_path / "nosuch", "empty": tmp_path / "empty"}
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert said.format(**names) in err, err
    assert not out, out


@pytest.mark.parametrize(
    "argv, said",
    [
        (["-3", "8", "{out}"], "argument n: -3 is out of range"),
        (["2", "nan", "{out}"], "argument sigma: nan is not a number"),
        (["2", "8", "{file}"], "output folder {file} exists and is not a folder"),
    ],
)
def test_jitter_pigment_tables_refuses_odd_arguments(argv, said, tmp_path, capsys):
    """scripts/jitter_pigment_tables.py took N -3 ("wrote -3 tables", exit 0), failed in numpy
    with a traceback on a NaN or negative SIGMA, and with FileExistsError on an OUT_DIR that is
    a file."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "jitter_pigment_tables.py", "_cli57_jitter")
    (tmp_path / "f.csv").write_text("x", encoding="utf-8")
    names = {"out": tmp_path / "out", "file": tmp_path / "f.csv"}
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    assert said.format(**names) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_jitter_pigment_tables_interrupted_leaves_no_table(tmp_path, monkeypatch):
    """Ctrl-C while the tables were written left the finished ones and a cut-off CSV (written
    in place), which `generate --pigment-table` would read; none reaches its name now, nor is
    the folder left behind."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "jitter_pigment_tables.py", "_cli57_jitter_int")
    real, calls = mod.jittered_rows, []

    def interrupted(rows, sigma, seed):
        calls.append(seed)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(rows, sigma, seed)

    monkeypatch.setattr(mod, "jittered_rows", interrupted)
    # "interrupted", exit 130, since session 60 (cli.script_main), where it was a traceback
    assert mod.main(["3", "8", str(tmp_path / "out")]) == 130
    assert len(calls) == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "script, argv, said",
    [
        ("region_colour_ceiling", ["--train", "{empty}", "--test", "{set}"], "no cubes (*.h5) in"),
        (
            "region_colour_ceiling",
            ["--train", "{set}", "--test", "{set}", "--out", "{empty}"],
            "--out: cannot write {empty}: it is a folder, not a file",
        ),  # fmt: skip
        ("table_panels", ["{out}", "--seeds", "-1"], "argument --seeds: -1 is out of range"),
        ("table_panels", ["{file}"], "OUT: output folder {file} exists and is not a folder"),
    ],
)
def test_more_scripts_refuse_odd_arguments_before_their_work(script, argv, said, tmp_path, capsys):
    """region_colour_ceiling.py read --train and --test unchecked (a traceback on an empty set)
    and found out at the end, after minutes of probing, that --out could not be written (it
    names a folder); table_panels.py took a negative seed (a traceback in numpy's
    default_rng) and an OUT that is a file (FileExistsError)."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_cli57b_{script}")
    (tmp_path / "empty").mkdir()
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "cube_00000.h5").write_bytes(b"")  # listed, never read: refused first
    (tmp_path / "f.csv").write_text("x", encoding="utf-8")
    names = {
        k: tmp_path / v for k, v in dict(empty="empty", set="set", out="o", file="f.csv").items()
    }
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    assert said.format(**names) in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "script, argv",
    [
        ("ari_pooling", ["{set}", "--json", "{empty}"]),
        ("colour_ceiling", ["--train", "{set}", "--test", "{set}", "--out", "{empty}"]),
        ("eval_physics_recolour", ["{set}", "--json", "{empty}"]),
        ("eval_pigments", ["{set}", "--json", "{empty}"]),
        ("pigment_error_sources", ["{set}", "--json", "{empty}"]),
    ],
)
def test_scripts_refuse_an_output_they_cannot_write_before_their_work(
    script, argv, tmp_path, capsys
):
    """The scripts' --json (colour_ceiling's --out) was written when the work was done, in
    place: one naming a folder ended minutes of scoring in an IsADirectoryError traceback. It is
    checked at parsing (argtypes.output_file) and written through atomic_path."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_cli57c_{script}")
    (tmp_path / "empty").mkdir()
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "cube_00000.h5").write_bytes(b"")  # listed, never read: refused first
    names = {"empty": tmp_path / "empty", "set": tmp_path / "set"}
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot write {names['empty']}: it is a folder, not a file" in err, err
