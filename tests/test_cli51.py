"""Session 51: the commands' options as a new user gives them, right or wrong."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cli.main import main


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["info", "x.h5", "--anode", "U"], "'U' is not an X-ray tube anode"),
        (["quicklook", "x.h5", "-o", "q", "--anode", "uranium"], "'uranium' (U) is not an X-ray"),
        (["embed", "x.h5", "-o", "e", "--anode", "92"], "'92' (U) is not an X-ray tube anode"),
        (["recolour", "x.h5", "-o", "r.png", "--anode", "Fe"], "'Fe' is not an X-ray tube anode"),
        (["info", "x.h5", "--anode", "Xx"], "'Xx' is not an element: give the X-ray tube's"),
    ],
    ids=["info", "quicklook", "embed", "recolour", "no-element"],
)
def test_an_anode_no_tube_has_is_refused_with_the_supported_ones(argv, said, capsys):
    """`--anode U` (any element) was taken by info, quicklook, embed and recolour without a word
    (embed's note then said "tube anode U"); only pigments refused one, after reading the scan.
    It is refused at parsing now, in every command, with the anodes the physics models."""
    from xrf_napari.physics.tube import ANODES

    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert said in err and f"one of {', '.join(ANODES)}" in err, err


def test_the_wide_family_draws_the_train_and_test_anodes_as_before():
    """A guard: WIDE_ANODES restated TRAIN_ANODES + TEST_ANODES; derived from them, the "wide"
    family draws the same tubes for the same seeds (the sequence the restated tuple drew)."""
    from xrf_napari.physics.instrument import (
        TEST_ANODES,
        TRAIN_ANODES,
        WIDE_ANODES,
        random_profile,
    )

    assert WIDE_ANODES == TRAIN_ANODES + TEST_ANODES == ("Rh", "W", "Cu", "Mo")
    drawn = "".join(random_profile(np.random.default_rng(s), "wide").anode[0] for s in range(20))
    assert drawn == "RCRCWRMWWRWCCMRMCCCW"


def test_the_dense_overlap_warning_is_a_warning_as_the_commands_others():
    """recolour printed its --overlap warning with a prefix of its own ("xrf-napari recolour:
    warning: ...") beside the other warnings, which go through warnings.warn and the commands'
    one printer (cli._dispatch: the same prefix from the command's name). It is a warning now."""
    from xrf_napari.cli import recolour_cmd

    with pytest.warns(UserWarning, match="^--overlap 15 of --tile 16 moves each tile 1 px: 45 "):
        recolour_cmd._warn_dense_tiling((24, 20), 16, 15, 4)


@pytest.mark.parametrize(
    ("user", "said"),
    [
        ({"stepz": 1}, "unknown keys ['stepz']"),
        ([1], "must be a JSON object of settings"),
        ({"model": 1}, '"model" must be an object of model settings'),
        ({"steps": "5"}, "steps must be a whole number, not '5'"),
        ({"steps": 0}, "steps: 0 is out of range"),
    ],
)
def test_a_config_file_is_named_by_its_option_in_every_refusal(user, said):
    """A config file's refusals said "config PATH: ..." where those reading it (not found, not
    JSON) said "--config PATH: ..."; every one names the option now, as the others do."""
    from xrf_napari.argtypes import int_in
    from xrf_napari.training.common import check_config

    with pytest.raises(ValueError, match="^--config c.json: ") as exc:
        check_config(user, {"steps": 1}, {}, "c.json", ranges={"steps": int_in(1)})
    assert said in str(exc.value)


def test_a_setting_from_a_config_file_is_said_of_its_option():
    """The refusals naming where a setting came from said "crop 96 (of config C; set --crop)"
    beside "--crop 48" for the flag: the option is named as the user typed it now."""
    from xrf_napari.training.train_recolouriser import DEFAULTS, SettingSources

    sources = SettingSources("c.json", frozenset({"crop"}), frozenset())
    assert (
        sources.said("crop", dict(DEFAULTS, crop=96)) == "crop 96 (of --config c.json; set --crop)"
    )


def test_the_baseline_weights_file_is_named_once():
    """ "pixel_mlp.safetensors" was typed out three times in the recolouriser trainer (the file it
    writes, the files its --out may hold) and evaluate (the file looked for beside --weights);
    the weights files' names live in models.weights, this one as BASELINE_FILE."""
    from pathlib import Path

    import xrf_napari

    name = "pixel_mlp.safetensors"
    src = Path(xrf_napari.__file__).parent
    typed = [
        str(p.relative_to(src))
        for p in sorted(src.rglob("*.py"))
        if name in p.read_text(encoding="utf-8")
    ]
    assert typed == ["models/weights.py"], typed
    from xrf_napari.models.weights import BASELINE_FILE, WEIGHTS_FILES

    assert BASELINE_FILE == name
    assert name not in WEIGHTS_FILES.values()  # never shipped: no manifest entry


@pytest.mark.parametrize("command", ["recolouriser", "evaluate"])
def test_a_missing_data_folder_is_named_by_its_option(command, tmp_path, capsys):
    """`xrf-napari-train recolouriser --data X` and `evaluate --data X` said "dataset folder X
    does not exist", naming no option, where the embedder's said "--data: dataset folder X ...";
    every one starts with the option now (training.data.list_cubes)."""
    from xrf_napari.cli.train import main as train_main

    missing = tmp_path / "sett"
    argv = [command, "--data", str(missing), "--out", str(tmp_path / "o"), "--device", "cpu"]
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{command}: error: --data: dataset folder {missing} does not exist" in err, err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["recolor", "x.h5"], "invalid choice: 'recolor': did you mean 'recolour'? (choose from"),
        (["Info", "x.h5"], "invalid choice: 'Info': did you mean 'info'?"),
        (["help"], "'help' is no command: xrf-napari --help lists them (info, quicklook,"),
        (["zzz"], "invalid choice: 'zzz' (choose from info, quicklook, embed, recolour, pigments;"),
    ],
)
def test_a_mistyped_command_is_answered_with_the_one_meant(argv, said, capsys):
    """`xrf-napari recolor` (the American spelling of the plugin's recolour) said only "invalid
    choice: 'recolor' (choose from ...)", and `xrf-napari help` no word on --help."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert said in capsys.readouterr().err


def test_a_mistyped_trainer_is_answered_with_the_one_meant(capsys):
    from xrf_napari.cli.train import main as train_main

    with pytest.raises(SystemExit):
        train_main(["recolorizer", "--data", "d"])
    assert "'recolorizer': did you mean 'recolouriser'?" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["quicklook", "x.h5", "-o", "q", "--elements", "Fe", "Pb"],
            "arguments: Pb ('Pb' follows --elements Fe, which takes one value: quote one with a "
            "space, --elements 'Fe Pb')",
        ),
        (
            ["recolour", "x.h5", "-o", "my", "scan.png"],
            "follows -o my, which takes one value: quote one with a space, -o 'my scan.png')",
        ),
        (["quicklook", "x.h5", "-o", "q", "--kv", "40", "50"], "('50' follows --kv 40, which ta"),
        (["info", "a.h5", "b.h5"], "arguments: b.h5 (a second input? xrf-napari info reads one"),
    ],
    ids=["list", "path", "number", "second-input"],
)
def test_a_stray_word_is_said_where_it_came_from(argv, said, capsys):
    """`quicklook --elements Fe Pb` and `recolour -o my scan.png` (a path with a space) said only
    "unrecognized arguments: Pb" / "scan.png", and `info a.h5 b.h5` "unrecognized arguments:
    b.h5": now with the option whose one value it follows, or as a second input."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert said in capsys.readouterr().err
