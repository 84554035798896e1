"""Session 52, cli52: the command lines' check order, option names in refusals and help."""

# ruff: noqa: F811 - the setup fixture imported, then named by the tests

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _rec_argv, setup  # noqa: E402, F401 - fixture


def _no_weights_read(monkeypatch):
    """Loading any weights file fails the test: the refusals under test read none."""
    from xrf_napari.models import weights

    def refuse(path, *args, **kwargs):
        raise AssertionError(f"loaded {path} before the refusal")

    monkeypatch.setattr(weights, "load_weights", refuse)


@pytest.mark.parametrize(
    ("missing", "said"), [("--data", "does not exist"), ("--init", "no such weights file")]
)
def test_the_recolouriser_refuses_a_missing_input_before_loading_its_embedder(
    missing,
    said,
    setup,
    tmp_path,
    monkeypatch,
    capsys,
):
    """A custom --embedder was loaded (its tensors read, to check it holds a DVE) before a
    missing --data or --init was refused: the cheap checks of every input come first now, then
    the output folder, and the weights are read last."""
    from xrf_napari.cli.train import main

    argv = _rec_argv(setup, tmp_path / "rec")
    argv += ["--init", str(tmp_path / "none.safetensors")] if missing == "--init" else []
    if missing == "--data":
        argv[argv.index("--data") + 1] = str(tmp_path / "nodata")
    _no_weights_read(monkeypatch)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"error: {missing}" in err and said in err, err
    assert not (tmp_path / "rec").exists()


class _Embedding(Exception):
    """Raised in place of the embedding pass: what reached it is all the test needs."""


def test_the_recolouriser_lists_its_data_once(setup, tmp_path, monkeypatch):
    """_start listed --data's cubes, then embed_dataset listed the folder again: _build hands
    it the list (embed_dataset's files=), which it embeds without listing the folder."""
    from xrf_napari.cli.train import main
    from xrf_napari.training import data
    from xrf_napari.training import train_recolouriser as tr

    listed, given = [], {}
    real = data.list_cubes

    def counted(folder, *args, **kwargs):
        listed.append(folder)
        return real(folder, *args, **kwargs)

    def embed(*args, **kwargs):
        given.update(kwargs)
        raise _Embedding

    monkeypatch.setattr(data, "list_cubes", counted)
    monkeypatch.setattr(tr, "embed_dataset", embed)
    with pytest.raises(_Embedding):
        main(_rec_argv(setup, tmp_path / "rec"))
    assert len(listed) == 1 and given["files"] == real(setup[1]), (listed, given)


def test_embed_dataset_embeds_the_files_given_without_listing_the_folder(
    setup,
    tmp_path,
    monkeypatch,
):
    """embed_dataset(files=) takes the caller's list: the folder is not listed again."""
    from xrf_napari.training import data
    from xrf_napari.training import train_recolouriser as tr

    _, folder, dve, _, _ = setup
    files = data.list_cubes(folder)[:1]

    def refuse(*args, **kwargs):
        raise AssertionError("listed the folder again")

    monkeypatch.setattr(data, "list_cubes", refuse)
    latents, _, _, names = tr.embed_dataset(
        folder, dve, "cpu", tmp_path / tr.CACHE_NAME, progress=False, files=files
    )
    assert names == [files[0].stem] and len(latents) == 1


def test_a_folder_named_like_a_cube_is_not_taken_for_one(tmp_path):
    """A folder x.h5 in --data was listed as a cube: the trainers and evaluate then failed on it
    as an unreadable file ("check its permissions, or that the drive ... is reachable"), after
    "device: cpu"; it is no cube, so a set of only such folders has none."""
    from xrf_napari.training.data import list_cubes

    (tmp_path / "x.h5").mkdir()
    with pytest.raises(ValueError, match=r"^--data: no cubes \(\*\.h5\) in "):
        list_cubes(tmp_path, "--data")
    (tmp_path / "cube_00000.h5").write_bytes(b"")
    assert list_cubes(tmp_path) == [tmp_path / "cube_00000.h5"]


@pytest.fixture
def scan(tmp_path):
    from _cli_models import write_toy_scan

    write_toy_scan(tmp_path / "scan.h5", 6, 5, 2)
    return tmp_path / "scan.h5"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["quicklook", "{scan}", "-o", "{scan}"], "-o: output folder {scan} is, or lies"),
        (["embed", "{scan}", "-o", "{scan}"], "-o: output folder {scan} is, or lies"),
        (["pigments", "{scan}", "-o", "{scan}"], "-o: output folder {scan} is, or lies"),
        (["recolour", "{scan}", "-o", "{link}"], "-o: output {link} is the input {scan}"),
    ],
    ids=["quicklook", "embed", "pigments", "recolour"],
)
def test_an_output_over_the_input_is_refused_naming_its_option(argv, said, scan, capsys):
    """quicklook's, embed's, pigments' and recolour's refusal of an output that is the input
    named no option ("output folder X is, or lies inside, the input X"), where the trainers'
    said "--out: ...": fileutil.check_outputs takes the option, as check_output_folder did."""
    from xrf_napari.cli.main import main

    link = scan.with_name("link.png")
    link.symlink_to(scan.name)
    names = {"scan": scan, "link": link}
    assert main([a.format(**names) for a in argv]) == 2
    err = capsys.readouterr().err
    assert f"error: {said.format(**names)}" in err, err


def test_export_set_names_its_out_option_when_refusing_it(tmp_path, capsys):
    """export-set --out inside its --data was "output folder X is, or lies inside, the input
    folder D", the one refusal of its --out naming no option."""
    from xrf_napari.cli.train import main

    data = tmp_path / "set"
    data.mkdir()
    (data / "manifest.json").write_text("{}", encoding="utf-8")
    argv = ["export-set", "--data", str(data), "--format", "h5", "--out", str(data / "x")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"error: --out: output folder {data / 'x'} is, or lies inside, the input" in err, err


def test_the_anode_help_lists_the_anodes_the_physics_models(capsys):
    """--anode's help said "X-ray tube anode" and named none of the six the physics models; the
    list it gives (cli._args.TUBE_ANODES, which --anode's type also takes) is physics.tube's."""
    from xrf_napari.cli import _args
    from xrf_napari.cli.main import main
    from xrf_napari.physics.tube import ANODES

    for command in ("info", "quicklook", "embed", "recolour", "pigments"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "--anode ANODE X-ray tube anode (Rh, Mo, W, Cu, Ag or Cr)" in out, (command, out)
    assert _args.TUBE_ANODES == ANODES


def test_the_heldout2_family_draws_the_test_and_heldout_anodes_as_before():
    """A guard: HELDOUT2_ANODES restated TEST_ANODES + HELDOUT_ANODES; derived from them (as
    WIDE_ANODES), "heldout2" draws the same tubes for the same seeds."""
    import numpy as np

    from xrf_napari.physics.instrument import (
        HELDOUT2_ANODES,
        HELDOUT_ANODES,
        TEST_ANODES,
        random_profile,
    )

    assert HELDOUT2_ANODES == TEST_ANODES + HELDOUT_ANODES == ("Mo", "Ag")
    drawn = "".join(
        random_profile(np.random.default_rng(s), "heldout2").anode[0] for s in range(20)
    )
    assert drawn == "AMAAAAMAAMAMAAMAAAAA"


def test_a_given_anode_the_fit_does_not_model_is_refused_as_a_given_optic_is():
    """instrument_for's refusal of an unknown anode read "(from --anode, as given) ... choose
    one of them", words no caller could reach: --anode (cli._args.tube_anode) and the docks'
    tube list take only the modelled anodes. A script's anode is refused as its optic or gas
    are, and the file's keeps its refusal."""
    import numpy as np

    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration

    cube = cube_from_array(
        np.ones((2, 2, 64), np.uint16), Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH)
    )
    with pytest.raises(pf.PigmentFitError, match="^unknown anode 'U': one of Rh, Mo, W, Cu, Ag"):
        pf.instrument_for(cube, anode="u")
    with pytest.raises(pf.PigmentFitError, match="^unknown optic 'x': one of"):
        pf.instrument_for(cube, optic="x")
    assert pf.instrument_for(cube, anode="mo")[0].anode == "Mo"


def test_notes_name_their_command_as_warnings_and_errors_do(capsys):
    """The commands' "note:" lines (what was assumed, pooled, removed) were bare prints beside
    "xrf-napari quicklook: warning: ..." and "...: error: ...": a log of several commands did
    not say whose note it was. argtypes.print_note names the running command; outside one it
    says "note:" alone. Notes stay on stderr and out of warnings.warn (see print_note)."""
    from xrf_napari.argtypes import parsing, print_note

    with parsing([], "xrf-napari quicklook"):
        print_note("kV unknown")
    print_note("outside")
    assert capsys.readouterr().err.splitlines() == [
        "xrf-napari quicklook: note: kV unknown",
        "note: outside",
    ]


def test_a_command_prints_its_notes_with_its_name(tmp_path, monkeypatch, capsys):
    """generate's note on a --split its procedural cubes ignore, through the command (the
    generation itself left out): named as its warnings are."""
    from xrf_napari.cli.train import main
    from xrf_napari.synth import dataset

    monkeypatch.setattr(dataset, "generate_dataset", lambda *a, **k: tmp_path / "manifest.json")
    argv = ["generate", "--split", "test", "--out", str(tmp_path)]
    assert main([*argv, "--n-cubes", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("xrf-napari-train generate: note: --split test chooses among"), err


@pytest.mark.parametrize("which", ["xrf-napari", "xrf-napari-train"])
def test_the_top_help_says_what_command_is(which, capsys):
    """`xrf-napari --help` listed "COMMAND" with no words beside it, above "args  arguments of
    the command (COMMAND --help)"; it says where the commands are listed."""
    from xrf_napari.cli import main, train

    with pytest.raises(SystemExit):
        (main.main if which == "xrf-napari" else train.main)(["--help"])
    out = capsys.readouterr().out
    assert any(
        line.split() == ["COMMAND", "one", "of", "the", "commands", "below"]
        for line in out.splitlines()
    ), out
