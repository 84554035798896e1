"""Session 45 (cli45): the recolouriser's settings from a partial Namespace, the MS-SSIM and model
refusals naming where their settings came from, and HDF5 external links as guarded inputs. Small
synthetic files, no model trained."""

import argparse
import json

import pytest

pytest.importorskip("torch")

from xrf_napari.training import train_recolouriser as tr  # noqa: E402


def test_resolve_config_takes_a_namespace_without_every_option(tmp_path):
    """resolve_config read every flag as args.<name>: a Namespace built by a script (or another
    command's parser) without, say, --time-budget raised "AttributeError: 'Namespace' object has
    no attribute ..." naming no setting. An option the Namespace lacks is now not given: the
    config's value, or the default, holds."""
    cfg, sources = tr.resolve_config(argparse.Namespace())
    assert cfg["crop"] == tr.DEFAULTS["crop"] and cfg["init"] is None
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"crop": 96, "steps": 7}), encoding="utf-8")
    cfg, sources = tr.resolve_config(argparse.Namespace(config=str(path), seed=3))
    assert (cfg["crop"], cfg["steps"], cfg["seed"]) == (96, 7, 3)
    assert sources.said("crop", cfg) == f"crop 96 (of --config {path}; set --crop)"
    assert sources.said("seed", cfg) == "--seed 3"


def _train_refusal(tmp_path, capsys, config, *flags, data=None, embedder=None) -> str:
    """The recolouriser's refusal (exit 2) of a run with `config` (a dict, or None) and flags."""
    from xrf_napari.cli.train import main

    argv = ["recolouriser", "--data", str(data or tmp_path / "absent"), "--out"]
    argv += [str(tmp_path / "o"), "--device", "cpu", "--no-progress", "--threads", "1", *flags]
    if embedder is not None:
        argv += ["--embedder", str(embedder)]
    if config is not None:
        (tmp_path / "cfg.json").write_text(json.dumps(config), encoding="utf-8")
        argv += ["--config", str(tmp_path / "cfg.json")]
    assert main(argv) == 2
    return " ".join(capsys.readouterr().err.split())


def test_the_msssim_crop_refusal_names_where_the_weight_and_the_crop_came_from(tmp_path, capsys):
    """It read "msssim_weight 0.5 needs crops over 96 px ..., but crop is 64" whether the weight
    or the crop came from a config file, a flag or the defaults; the crop's own refusals say
    which (SettingSources.said). Now this one does too, in the same words."""
    cfg = tmp_path / "cfg.json"
    err = _train_refusal(tmp_path, capsys, {"msssim_weight": 0.5}, "--crop", "64")
    assert (
        f"msssim_weight 0.5 (of --config {cfg}; set --msssim-weight) needs crops over 96 px" in err
    )
    assert "window): --crop 64 is too small; give --crop 112 or more, or --msssim-weight 0" in err
    err = _train_refusal(tmp_path, capsys, {"crop": 64}, "--msssim-weight", "0.5")
    assert "--msssim-weight 0.5 needs crops over 96 px" in err, err
    assert f"crop 64 (of --config {cfg}; set --crop) is too small; give --crop 112" in err, err


def test_a_model_that_cannot_be_built_names_each_setting_and_where_it_came_from(tmp_path, capsys):
    """check_model said "the config's model cannot be built: dim 20 must be a multiple of heads
    9 (model settings of --config C)": the heads were the default's, not the config's. Each model
    setting the reason names is now said with its source, as the crop's refusals say theirs."""
    cfg = tmp_path / "cfg.json"
    err = _train_refusal(tmp_path, capsys, {"model": {"dim": 20}})
    assert (
        "the model cannot be built: dim 20 must be a multiple of heads 9; from model.dim 20 "
        f"(of --config {cfg}), model.heads 9 (of the default settings)"
    ) in err, err
    err = _train_refusal(tmp_path, capsys, {"model": {"depth": 4}}, "--patch", "8", "--crop", "64")
    assert "the model cannot be built: depth must be odd" in err, err
    assert f"got 4; from model.depth 4 (of --config {cfg})" in err, err


def test_the_msssim_validation_size_refusal_names_where_keep_best_by_came_from(
    tmp_path, capsys, monkeypatch
):
    """keep_best_by msssim with validation cubes too small for MS-SSIM's scales read "keep_best_by
    msssim needs validation cubes over 96 px" however it was set; a config's is now named as the
    crop's refusals name a setting, and a flag's as the flag."""
    from test_train_recolouriser import _dataset

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    def never(*_a, **_k):
        raise AssertionError("embedded: the refusal must come before the embedding pass")

    monkeypatch.setattr(tr, "embed_dataset", never)  # never trains, whatever happens
    dve = build_from_config({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    data = _dataset(tmp_path / "d", 4, 32, 0)
    run = dict(data=data, embedder=tmp_path / "dve.safetensors")
    cfg = tmp_path / "cfg.json"
    split = {"val_fraction": 0.25}  # one of the four cubes validates
    err = _train_refusal(
        tmp_path, capsys, {**split, "keep_best_by": "msssim"}, "--crop", "32", **run
    )
    assert (
        f"keep_best_by msssim (of --config {cfg}; set --keep-best-by) needs validation cubes over "
        "96 px a side"
    ) in err, err
    err = _train_refusal(tmp_path, capsys, split, "--crop", "32", "--keep-best-by", "msssim", **run)
    assert "--keep-best-by msssim needs validation cubes over 96 px a side" in err, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


# -- HDF5 external links are inputs no output may be saved over -------------------------------
def _linked_scan(folder, link_name="sub/data.h5", group=None):
    """folder/scan.h5 whose /counts (or /<group>/counts) is an HDF5 external link to
    /counts in folder/sub/data.h5 (link_name as the link names it); returns (scan, data)."""
    import h5py
    import numpy as np

    (folder / "sub").mkdir(parents=True, exist_ok=True)
    data = folder / "sub" / "data.h5"
    with h5py.File(data, "w") as f:
        f["counts"] = np.ones((4, 4, 64), np.uint16)
    scan = folder / "scan.h5"
    with h5py.File(scan, "w") as f:
        g = f.require_group(group) if group else f
        g["counts"] = h5py.ExternalLink(str(link_name), "/counts")
    return scan, data


def _guarded(out, scan):
    """Whether the CLIs' output check refuses `out` as one of `scan`'s inputs."""
    from xrf_napari.fileutil import OutputError, check_outputs

    try:
        check_outputs(files=[out], inputs=[scan])
    except OutputError as exc:
        assert str(out) in str(exc), exc
        return True
    return False


def test_a_file_an_hdf5_external_link_leads_to_is_an_input_no_output_may_replace(tmp_path):
    """hdf5_partners listed external raw files and virtual sources but not the files external
    links lead to: an output named as sub/data.h5 (where scan.h5's /counts really lies) was let
    through and destroyed the scan's data. The linked file is now an input, found where HDF5
    finds it: beside the file holding the link, in a group too, by its last part where an
    absolute name is missing."""
    from xrf_napari.fileutil import input_files

    scan, data = _linked_scan(tmp_path / "a")
    assert data in input_files(scan)
    assert _guarded(data, scan)
    assert not _guarded(tmp_path / "a" / "sub" / "other.h5", scan)  # only what it reads
    scan, data = _linked_scan(tmp_path / "b", group="entry/raw")
    assert _guarded(data, scan)
    moved = tmp_path / "gone" / "data.h5"  # recorded absolute, the folder since moved
    scan, data = _linked_scan(tmp_path / "c", link_name=moved)
    (tmp_path / "c" / "data.h5").write_bytes(data.read_bytes())
    assert _guarded(tmp_path / "c" / "data.h5", scan)


def test_linked_files_are_followed_in_turn_through_symbolic_links_and_cycles(tmp_path):
    """The linked file's own partners (its external raw file) are inputs too; a scan linked
    into another folder finds its relative link beside the file it links to (where pair_places
    looks); two files linking each other are each listed once."""
    import h5py
    import numpy as np

    from xrf_napari.fileutil import input_files

    scan, data = _linked_scan(tmp_path / "a")
    raw = data.parent / "more.raw"
    raw.write_bytes(np.zeros(16, np.uint16).tobytes())
    with h5py.File(data, "a") as f:
        f.create_dataset("more", (16,), np.uint16, external=[("more.raw", 0, 32)])
        f["back"] = h5py.ExternalLink("../scan.h5", "/counts")  # a cycle
    found = input_files(scan)
    assert data in found and raw in found
    assert sorted(map(str, found)) == sorted(set(map(str, found)))
    project = tmp_path / "project"
    project.mkdir()
    (project / "mine.h5").symlink_to(scan)
    assert _guarded(data, project / "mine.h5")


# -- walkthrough (session 45): the command-line tools' messages ----------------------------------
def test_pigments_fwhm_floor_is_the_one_the_forward_model_applies(tmp_path, capsys):
    """--fwhm's floor was the Fano limit rounded down: "--fwhm 50" was told "it must be at least
    119.7", and --fwhm 119.72 passed the parser, to be refused after the scan was read as
    "outside 119.8-300 eV". The parser now applies the limit as the forward model and the docs
    name it, 119.8, and --help says so."""
    from xrf_napari.cli.main import main

    argv = ["pigments", str(tmp_path / "absent.h5"), "-o", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--fwhm", "119.72"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --fwhm: 119.72 is out of range: it must be at least 119.8 and" in err, err
    assert main([*argv, "--fwhm", "119.8"]) == 2  # accepted: refused for the missing file
    assert "absent.h5" in capsys.readouterr().err
    parser = argparse.ArgumentParser()
    from xrf_napari.cli import pigments_cmd

    pigments_cmd.configure(parser)
    assert "Fano limit (119.8)" in parser._option_string_actions["--fwhm"].help


def test_an_output_folder_the_disk_refuses_to_create_is_named(tmp_path, monkeypatch, capsys):
    """Where the check before the run passes (os.access) but the disk refuses the folder (a
    network share, an ACL, root on a pseudo file system), quicklook and pigments ended in
    "error: [Errno 1] Operation not permitted: 'out/sub'". made_folder now names what it could
    not do: "cannot create the folder out/sub: Operation not permitted"; nothing is left."""
    import errno
    import pathlib

    from xrf_napari.cli.main import main

    scan = _small_scan(tmp_path / "scan.h5")
    refused = tmp_path / "out" / "sub"
    real_mkdir = pathlib.Path.mkdir

    def mkdir(self, *a, **k):
        if self == refused:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(self))
        return real_mkdir(self, *a, **k)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    argv = ["quicklook", str(scan), "-o", str(refused), "--elements", "Fe", "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"error: cannot create the folder {refused}: Operation not permitted" in err, err
    assert "Errno" not in err and not (tmp_path / "out").exists()


def _small_scan(path):
    """A 4 x 4 scan with an Fe K-alpha peak on the canonical 1-26.6 keV axis."""
    import numpy as np

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    energy = 1.0 + 0.05 * np.arange(512)
    mean = 5.0 + 300 * np.exp(-0.5 * ((energy - 6.4) / 0.07) ** 2)
    counts = np.random.default_rng(0).poisson(mean, (4, 4, 512)).astype(np.uint16)
    return write_cube(path, counts, Calibration(1.0, 0.05))


def test_a_scan_given_as_the_photograph_is_named_as_no_picture(tmp_path, capsys):
    """`pigments scan.h5 --photo scan.h5` (the scan twice, a plausible slip) said "scan.h5:
    expected a colour image (height x width x 3 or 4), got shape (0, 0): a grey image gives no
    colour": Pillow names an HDF5 file (a stub format) as a 0 x 0 grey image. It is now refused
    as HDF5 data, not a picture, for --photo and a --labels image alike (the scan itself given as
    --photo is named as the scan since 5c7eed3a; a copy of it is HDF5 data)."""
    from xrf_napari.cli.main import main

    scan = _small_scan(tmp_path / "scan.h5")
    out = tmp_path / "o"
    assert main(["pigments", str(scan), "--photo", str(scan), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--photo {scan} is the scan itself ({scan}): give a photograph" in err, err
    assert "grey" not in err and not out.exists()
    copy = tmp_path / "photo.h5"
    copy.write_bytes(scan.read_bytes())
    assert main(["pigments", str(scan), "--photo", str(copy), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{copy}: cannot read an image: it is HDF5 data, not a picture" in err, err
    assert "grey" not in err and not out.exists()
    disguised = tmp_path / "labels.png"
    disguised.write_bytes(scan.read_bytes())
    assert main(["pigments", str(scan), "--labels", str(disguised), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--labels {disguised}: cannot read an image: it is HDF5 data" in err, err


def test_a_bare_command_names_the_commands_not_an_internal_args(capsys):
    """`xrf-napari` alone said "the following arguments are required: COMMAND, args": "args" is
    the top parser's placeholder for the command's own arguments, which a user cannot give
    without a command. It now names the commands; other top-level mistakes no longer ask for
    "args"."""
    from xrf_napari.cli.main import main
    from xrf_napari.cli.train import main as train_main

    for run, names in ((main, "info, quicklook, embed"), (train_main, "generate, export-set")):
        with pytest.raises(SystemExit) as exc:
            run([])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert f"the following arguments are required: COMMAND, one of {names}" in err, err
        assert "args" not in err.splitlines()[-1]
    with pytest.raises(SystemExit):
        main(["--verbose"])  # an option no command has (--version is one since session 49)
    err = capsys.readouterr().err
    # named since session 50 (it said "the following arguments are required: COMMAND")
    assert "unrecognized option '--verbose' before the command" in err.splitlines()[-1], err
    assert "args" not in err.splitlines()[-1]


def test_quicklook_of_a_single_spectrum_names_the_elements_it_marked(tmp_path, capsys):
    """quicklook names the suggested elements only where some were left out: the map files'
    names say which were mapped. A single spectrum (a point measurement, .spx, .mca) has no map
    files, so a spot with six or fewer suggestions said "wrote the spectrum with its elements
    marked" and never which. They are now named; a map's scan is unchanged (its file names)."""
    import numpy as np

    from xrf_napari.cli.main import main
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    energy = 1.0 + 0.05 * np.arange(512)
    mean = 2.0 + 4000 * np.exp(-0.5 * ((energy - 6.4) / 0.07) ** 2)  # Fe K-alpha
    mean += 600 * np.exp(-0.5 * ((energy - 7.06) / 0.075) ** 2)  # Fe K-beta
    spot = np.random.default_rng(0).poisson(mean, (1, 1, 512)).astype(np.uint16)
    scan = write_cube(tmp_path / "spot.h5", spot, Calibration(1.0, 0.05))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "o"), "--no-progress"]) == 0
    out = capsys.readouterr().err
    said = [ln for ln in out.splitlines() if "suggested, strongest first" in ln]
    assert len(said) == 1 and "marked on the spectrum: Fe" in said[0], out
    assert "not:" not in said[0] and "and mapped" not in said[0]
    capsys.readouterr()
    grid = np.repeat(np.repeat(spot, 4, 0), 4, 1)  # the same spectrum over 4 x 4 px
    big = write_cube(tmp_path / "map.h5", grid, Calibration(1.0, 0.05))
    assert main(["quicklook", str(big), "-o", str(tmp_path / "m"), "--no-progress"]) == 0
    said = [ln for ln in capsys.readouterr().err.splitlines() if "suggested, strong" in ln]
    assert len(said) == 1 and "marked on the spectrum and mapped: Fe" in said[0], said


def test_a_missing_weights_file_is_named_by_its_option(tmp_path, capsys):
    """Two weights options of one command said the same "weights file not found: PATH":
    recolour's --weights and --embedder-weights (after reading the scan), the recolouriser's
    --embedder and --init, evaluate's --weights and --embedder. Each is now named by its option
    ("--embedder-weights PATH: no such weights file"), before any work; nothing is written."""
    from xrf_napari.cli.main import main
    from xrf_napari.cli.train import main as train_main

    scan = _small_scan(tmp_path / "scan.h5")
    gone = tmp_path / "gone.safetensors"
    for option in ("--weights", "--embedder-weights"):
        argv = ["recolour", str(scan), "-o", str(tmp_path / "o.png"), option, str(gone)]
        assert main(argv) == 2
        assert f"error: {option} {gone}: no such weights file" in capsys.readouterr().err
    argv = ["embed", str(scan), "-o", str(tmp_path / "e") + "/", "--weights", str(gone)]
    assert main(argv) == 2
    assert f"error: --weights {gone}: no such weights file" in capsys.readouterr().err
    from test_eval41 import _set

    data = tmp_path / "data"
    data.mkdir()
    # evaluate checks --data before the models (an empty folder is refused first): a scored set
    scored = _set(tmp_path / "set", size=16)
    for option, command, folder in (
        ("--embedder", "recolouriser", data),
        ("--init", "recolouriser", data),
        ("--embedder", "evaluate", scored),
    ):
        base = ["--data", str(folder), "--out", str(tmp_path / "t"), "--device", "cpu"]
        assert train_main([command, *base, option, str(gone)]) == 2
        assert f"error: {option} {gone}: no such weights file" in capsys.readouterr().err
    assert not any(p.name in ("o.png", "e", "t") for p in tmp_path.iterdir())


def test_a_missing_photograph_is_named_by_its_option_before_the_scan_is_read(
    tmp_path, capsys, monkeypatch
):
    """--labels absent.png said "--labels absent.png: no such file" before any work, but
    --photo absent.jpg said "absent.jpg: no such file", naming no option, once the scan had been
    read (minutes for a large one). Now "--photo absent.jpg: no such file", first."""
    from xrf_napari.cli import _args
    from xrf_napari.cli.main import main

    scan = _small_scan(tmp_path / "scan.h5")

    def never(*_a, **_k):
        raise AssertionError("the scan was read")

    monkeypatch.setattr(_args, "read_scan", never)
    photo = tmp_path / "absent.jpg"
    assert main(["pigments", str(scan), "--photo", str(photo), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"error: --photo {photo}: no such file" in err, err


def test_a_label_map_of_several_pages_is_refused_not_read_as_its_first(tmp_path, capsys):
    """A TIFF of several label maps (a stack saved from an image editor or ImageJ) was fitted by
    its first page without a word of the others. It is now refused naming the count; a one-page
    map is fitted as before."""
    import numpy as np
    import tifffile

    from xrf_napari.cli.main import main

    scan = _small_scan(tmp_path / "scan.h5")
    one = np.array([[1, 1, 2, 2]] * 4, np.uint16)
    stack = np.stack([one, 3 - one, one, one, one])
    tifffile.imwrite(tmp_path / "stack.tif", stack, photometric="minisblack")  # 5 pages
    argv = ["pigments", str(scan), "-o", str(tmp_path / "o"), "--no-progress", "--labels"]
    assert main([*argv, str(tmp_path / "stack.tif")]) == 2
    err = capsys.readouterr().err
    assert f"--labels {tmp_path / 'stack.tif'}: 5 images (pages or frames) in one file" in err
    assert not (tmp_path / "o").exists()
    # the one-page map is read as it is (the fit of the scan it would go on to cost 20 s in CI)
    from xrf_napari.cli.pigments_cmd import read_labels

    tifffile.imwrite(tmp_path / "one.tif", one)
    np.testing.assert_array_equal(read_labels(tmp_path / "one.tif", one.shape), one)
