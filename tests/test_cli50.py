"""Session 50: the commands as a conservator or a script writer types them."""

from __future__ import annotations

import warnings

import pytest
from _napari_helpers import write_painted_cube

from xrf_napari.cli.main import main
from xrf_napari.cli.train import main as train_main

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return str(write_painted_cube(tmp_path_factory.mktemp("cli50") / "painted.h5"))


@pytest.mark.parametrize(
    ("entry", "argv"),
    [(main, ["--foo"]), (main, ["--foo", "info"]), (train_main, ["--bar=1", "generate"])],
    ids=["alone", "before-info", "train"],
)
def test_an_unknown_option_before_the_command_is_named(capsys, entry, argv):
    """`xrf-napari --foo` said only "the following arguments are required: COMMAND" (--foo
    unnamed), and `--foo info` "unrecognized arguments: --foo", neither that a command's options
    follow the command."""
    with pytest.raises(SystemExit) as exc:
        entry(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    word = argv[0]
    assert f"unrecognized option '{word}' before the command: options follow it" in err, err
    assert "required: COMMAND" not in err


def test_a_double_dash_before_the_command_is_the_end_of_options(painted, capsys):
    """`xrf-napari -- info SCAN` (the end of options, as scripts write before arguments they
    do not control) gave the info parser the word "info" as its INPUT: "unrecognized arguments:
    SCAN"."""
    assert main(["--", "info", painted]) == 0
    assert "painted" in capsys.readouterr().out


def _stopped_at_the_run(monkeypatch):
    """recolour stopped where the tiles would start (as a Ctrl-C there): what it said before."""
    from xrf_napari import progress

    def stop(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(progress, "run_to_end", stop)


def test_an_overlap_near_the_tile_is_warned_of_with_its_cost(painted, tmp_path, monkeypatch):
    """`--tile 32 --overlap 31` steps each tile by 1 px: 9,409 tiles on the 128 x 128 sample
    painting (25 at the default overlap, 59 s instead of 11 s on the CPU), run without a word.
    Here the 24 x 20 test scan: 45 tiles of 16 px at overlap 15, 4 at the default 4."""
    pytest.importorskip("torch")
    _stopped_at_the_run(monkeypatch)
    out = str(tmp_path / "rgb.png")
    base = ["recolour", painted, "-o", out, "--device", "cpu", "--tile", "16", "--no-progress"]
    said = (  # a warning (test_cli51), printed "xrf-napari recolour: warning: ..." by the command
        "--overlap 15 of --tile 16 moves each tile 1 px: 45 tiles for this scan, 11x the model's "
        "time of the default overlap 4 (4 tiles)"
    )
    with pytest.warns(UserWarning) as told:
        assert main([*base, "--overlap", "15"]) == 130
    assert any(said in str(w.message) for w in told), [str(w.message) for w in told]
    with warnings.catch_warnings(record=True) as told:
        warnings.simplefilter("always")
        assert main([*base, "--overlap", "8"]) == 130  # 6 tiles: no word (a guard)
    assert not any("--overlap" in str(w.message) for w in told)


def test_one_name_per_weights_file():
    """The weights files' names were typed out in each trainer, the --help of the weights
    options, the panels' weights folder and training.common.TRAINER_WEIGHTS; they now come from
    models.weights.WEIGHTS_FILES, which the shipped manifest's names must match (the folder
    $XRF_NAPARI_WEIGHTS names is looked in for the manifest's)."""
    from xrf_napari.models.weights import WEIGHTS_FILES, default_help, manifest
    from xrf_napari.training.common import TRAINER_WEIGHTS

    assert {name: manifest()[name]["file"] for name in WEIGHTS_FILES} == WEIGHTS_FILES
    assert TRAINER_WEIGHTS == {
        "embedder": WEIGHTS_FILES["dve"],
        "recolouriser": WEIGHTS_FILES["uvit"],
    }
    assert f"/{WEIGHTS_FILES['uvit']} when" in default_help("uvit")


@pytest.mark.parametrize(
    ("option", "value", "fault"),
    [("--swatch-fraction", "-0.5", "is out of range"), ("--bare-ground", "nan", "is not a number")],
)
def test_generate_names_the_share_out_of_range(tmp_path, capsys, option, value, fault):
    """`generate --bare-ground nan` said "--swatch-fraction and --bare-ground must be in
    [0, 1]": both options named, neither the value given."""
    out = tmp_path / "set"
    with pytest.raises(SystemExit) as exc:  # argparse's refusal since session 54
        train_main(["generate", "--out", str(out), "--n-cubes", "1", f"{option}={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    said = f"generate: error: argument {option}: {float(value):g} {fault}: it must be at "
    assert said + "least 0 and at most 1" in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("shape", "said"),
    [
        (
            (16,),
            "a 1-D array is an axis or one spectrum (shaped (1, 1, channels) it opens as a spot)",
        ),
        ((2, 2, 2, 2), "a datacube must be 3-D (height, width, channels)\n"),
    ],
    ids=["1-D", "4-D"],
)
def test_info_says_what_an_array_of_other_than_2_axes_is(tmp_path, capsys, shape, said):
    """A 1-D .npy (a spectrum) or a 4-D one was refused as "a 2-D array is an image or a map,
    not a cube", which it is not."""
    import numpy as np

    path = tmp_path / "a.npy"
    np.save(path, np.ones(shape, np.uint16))
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert said in err and "2-D" not in err, err


@pytest.mark.parametrize(
    ("entry", "argv", "name"),
    [
        (main, ["info", "-"], "input"),
        (main, ["pigments", "x.h5", "-o", "out", "--labels", "-"], "--labels"),
        (train_main, ["evaluate", "--data", "-"], "--data"),
    ],
    ids=["info", "labels", "train-data"],
)
def test_a_lone_dash_as_an_input_is_named_as_standard_input(
    tmp_path, monkeypatch, capsys, entry, argv, name
):
    """`xrf-napari info -` (standard input, as many tools read a lone dash) said "-: no such file
    or directory", as if a file named '-' were missing; an output '-' was already refused so. A
    file of that name is still read (a guard)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        entry(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument {name}: '-' (standard input) cannot be read; name a file" in err, err
    if argv[0] == "info":
        import numpy as np

        np.save(tmp_path / "cube.npy", np.ones((2, 2, 8), np.uint16))
        (tmp_path / "cube.npy").rename(tmp_path / "-")
        assert main(["info", "-"]) == 2  # read: refused for its (missing) suffix
        assert "-: unsupported file type" in capsys.readouterr().err


def test_a_closed_standard_output_or_error_is_no_traceback(painted, monkeypatch, capsys):
    """`xrf-napari info SCAN >&-` (Python's sys.stdout is then None) ended in a traceback,
    "'NoneType' object has no attribute 'flush'", exit 1; it is the usual line for a standard
    output that cannot be written, exit 2. With `2>&-` (sys.stderr None) the error lines went to
    the standard output (print's file=None), mixed into what a script reads there; they are
    dropped."""
    import sys

    monkeypatch.setattr(sys, "stdout", None)
    assert main(["info", painted]) == 2
    assert "info: error: cannot write to standard output: it is closed" in capsys.readouterr().err
    monkeypatch.undo()
    monkeypatch.setattr(sys, "stderr", None)
    try:
        assert main(["info", painted + ".missing"]) == 2
    finally:
        if sys.stderr is not None:
            sys.stderr.close()  # the null device the command opened in its place
    assert capsys.readouterr().out == ""
