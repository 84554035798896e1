"""Session 58, cli58: the commands (xrf-napari, xrf-napari-train), their core and scripts/."""

import numpy as np
import pytest
from test_uncal56 import no_models  # noqa: F401  (a fixture: loading a model fails the test)


@pytest.fixture
def scan(tmp_path):
    """A calibrated project HDF5 scan (8 x 8 px) in tmp_path."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    return write_cube(tmp_path / "scan.h5", np.ones((8, 8, 512), np.uint16), Calibration(0, 0.05))


def test_recolour_never_replaces_a_scan_or_a_file_that_is_no_image(
    scan,
    tmp_path,
    no_models,  # noqa: F811
    capsys,
):
    """`recolour -o other.tif` replaced a TIFF datacube (a scan named by mistake) with the
    recoloured image of another scan, and `-o notes.png` a file that was no image: both are
    refused before any model loads, the file left as it was."""
    import tifffile

    from xrf_napari.cli.main import main

    cube = tmp_path / "other.tif"
    tifffile.imwrite(cube, np.arange(64 * 36, dtype=np.uint16).reshape(64, 6, 6))
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture", encoding="utf-8")
    for out, why in (
        (cube, "it holds a spectral datacube (a TIFF of 64 pages), a scan"),
        (notes, "it is not an image (it cannot be read as one)"),
    ):
        before = out.read_bytes()
        argv = ["recolour", str(scan), "-o", str(out), "--device", "cpu", "--no-progress"]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"error: -o {out}: the file exists and {why}: recolour replaces only " in err
        assert out.read_bytes() == before


def test_a_picture_there_is_replaced_as_before(tmp_path):
    """An earlier output (xrf-napari's PNG or TIFF), or any one picture, may be replaced: only a
    scan, an image stack or a file that is no image is refused (io.arrays.not_a_picture)."""
    import tifffile

    from xrf_napari.analysis.export import write_image
    from xrf_napari.io.arrays import not_a_picture

    rgb = np.zeros((4, 5, 3), np.uint8)
    for name in ("earlier.png", "earlier.tif"):
        assert not_a_picture(write_image(tmp_path / name, rgb, "the recoloured image")) is None
    tifffile.imwrite(tmp_path / "grey.tif", np.zeros((4, 5), np.uint16))
    assert not_a_picture(tmp_path / "grey.tif") is None
    assert not_a_picture(tmp_path / "absent.png") is None
    (tmp_path / "empty.png").touch()
    assert not_a_picture(tmp_path / "empty.png") is None
    tifffile.imwrite(tmp_path / "maps.tif", np.zeros((5, 4, 5), np.float32))
    assert not_a_picture(tmp_path / "maps.tif") == (
        "it holds an image stack (a TIFF of 5 pages), not one picture"
    )


@pytest.mark.parametrize(
    "text, kind",
    [("[NaN]", "a list"), ('["x"]', "a list"), ('"x"', "a string"), ("null", "null")],
)
def test_a_config_that_is_no_object_is_said_so(text, kind, tmp_path):
    """read_config('[NaN]') said "[0] is NaN: a config's numbers must be finite", of a file that
    holds no settings at all: it is no JSON object, and is told so first."""
    from xrf_napari.training.common import read_config

    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        read_config(path)
    assert str(err.value) == f"--config {path}: must be a JSON object of settings, not {kind}"


@pytest.mark.parametrize(
    "written, said",
    [
        ('"offset": Infinity, "gain": 0.01', "offset=Infinity, gain=0.01"),
        ('"offset": 0, "gain": -Infinity', "offset=0, gain=-Infinity"),
        ('"offset": 0, "gain": 1e999', "offset=0, gain=1e999 (too large for a number)"),
    ],
)
def test_a_sidecar_infinity_is_named_as_written(written, said, tmp_path):
    """A calibration sidecar's "offset": Infinity was set aside with "invalid calibration
    (offset=inf, ...)", a value the file does not hold."""
    import tifffile

    from xrf_napari.io import read_cube

    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, np.ones((64, 6, 6), np.uint16))
    (tmp_path / "scan.json").write_text("{" + written + "}", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        read_cube(path, auto_calibrate=False)
    told = " ".join(str(w.message) for w in caught)
    assert f"invalid calibration ({said}): " in told, told
    assert "=inf" not in told and "=-inf" not in told, told


@pytest.mark.parametrize(
    "script, argv, said",
    [
        ("colour_ceiling", ["--max-train-cubes", "0"], "--max-train-cubes: 0 is out of range"),
        ("colour_ceiling", ["--max-train-cubes", "-1"], "--max-train-cubes: -1 is out of range"),
        ("colour_ceiling", ["--train-pixels", "-1"], "--train-pixels: -1 is out of range"),
        ("colour_ceiling", ["--test-pixels", "0"], "--test-pixels: 0 is out of range"),
        ("pigment_usage", ["--n-cubes", "0"], "--n-cubes: 0 is out of range"),
        ("pigment_usage", ["--size", "0"], "--size: 0 is out of range"),
        ("pigment_usage", ["--swatch-fraction", "nan"], "--swatch-fraction: nan is not a number"),
        ("pigment_usage", ["--bare-ground", "2"], "--bare-ground: 2 is out of range"),
        ("eval_physics_recolour", ["--k", "1"], "--k: 1 is out of range: K must be 0 "),
        ("eval_physics_recolour", ["--k", "31"], "--k: 31 is out of range: K must be 0 "),
    ],
)
def test_scripts_refuse_counts_out_of_range_at_parsing(script, argv, said, tmp_path, capsys):
    """colour_ceiling.py's --max-train-cubes 0 or --train-pixels -1 ended the embedding in a
    traceback ("need at least one array to concatenate", "negative dimensions are not allowed")
    and --max-train-cubes -1 left out the set's last cube; pigment_usage.py --draw wrote "0
    cubes, 0 regions" for --n-cubes 0, took --swatch-fraction nan, and --size 0 ended in a
    traceback; eval_physics_recolour.py --k 1 failed after the first cube's recolouring. Each
    is refused at parsing (exit 2), naming the option, before anything is read or written."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_cli58_{script}")
    with pytest.raises(SystemExit) as exc:
        out = "--out" if script != "eval_physics_recolour" else "--json"
        mod.main([*argv, out, str(tmp_path / "x.json")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument {said}" in err, err
    assert not (tmp_path / "x.json").exists()


def test_info_sum_of_a_scan_without_counts_names_no_strongest_channel(tmp_path, capsys):
    """`info --sum` of a scan whose every count is 0 said "strongest channel 0 (0.000 keV)" (and
    --json "peak_channel": 0), a channel no stronger than any other."""
    import json

    from xrf_napari.cli.main import main
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    path = write_cube(tmp_path / "zero.h5", np.zeros((2, 3, 512), np.uint16), Calibration(0, 0.05))
    assert main(["info", str(path), "--sum", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "total counts 0, no strongest channel (no channel holds a count)" in out, out
    assert main(["info", str(path), "--sum", "--no-progress", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["peak_channel"] is None and said["peak_energy_kev"] is None, said


def test_a_trainers_checkpoint_given_as_weights_names_the_weights_beside_it(tmp_path):
    """`evaluate --weights out/checkpoint.pt` (or --init, --embedder) was told "a PyTorch pickle
    (torch.save) ...: save the state dict with xrf_napari.models.weights.save_weights", as if it
    were a stranger's file: it is the trainer's own checkpoint, whose run writes the weights
    beside it (or is continued with --resume). It is still never unpickled."""
    import zipfile

    from xrf_napari.models.weights import WeightsError, require_weights_file

    run = tmp_path / "run"
    run.mkdir()
    with zipfile.ZipFile(run / "checkpoint.pt", "w") as z:  # torch.save's zip layout
        z.writestr("checkpoint/data.pkl", b"\x80\x02}q\x00.")
    (run / "dve.safetensors").write_bytes(b"")
    with pytest.raises(WeightsError) as err:
        require_weights_file(run / "checkpoint.pt")
    said = str(err.value)
    told = "is a trainer's checkpoint (torch.save), not a weights file: give the .safetensors "
    told += "weights its run writes (dve.safetensors beside it), or continue that run with its "
    assert told + "command and --resume" in said, said
    assert "save_weights" not in said, said


@pytest.mark.parametrize(
    "script, argv, option",
    [
        ("ari_pooling", ["{set}", "--json", "{cube}"], "--json"),
        ("colour_ceiling", ["--train", "{set}", "--test", "{set}", "--out", "{cube}"], "--out"),
        ("eval_physics_recolour", ["{set}", "--json", "{cube}"], "--json"),
        ("eval_pigments", ["{set}", "--json", "{cube}"], "--json"),
        ("pigment_error_sources", ["{set}", "--json", "{cube}"], "--json"),
        ("pigment_usage", ["{set}", "--out", "{cube}"], "--out"),
        (
            "region_colour_ceiling",
            ["--train", "{set}", "--test", "{set}", "--out", "{cube}"],
            "--out",
        ),
    ],
)
def test_scripts_refuse_an_output_over_their_input(script, argv, option, tmp_path, capsys):
    """`ari_pooling.py SET --json SET/cube_00001.h5` replaced the set's cube with its JSON once
    the run was done (measured: the cube's MD5 changed, its first bytes "{"); the scripts'
    --json/--out checked only that the file could be written. Each refuses an output that is
    or lies inside an input before any work (argtypes.refuse_output_over_inputs), exit 2."""
    from _bench_scripts import CHECKOUT, load_module

    data = tmp_path / "set"
    data.mkdir()
    cube = data / "cube_00000.h5"
    cube.write_bytes(b"a cube, kept as it is")
    names = {"set": str(data), "cube": str(cube)}
    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_cli58o_{script}")
    with pytest.raises(SystemExit) as exc:
        mod.main([a.format(**names) for a in argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {option}: output {cube} " in err, err
    assert cube.read_bytes() == b"a cube, kept as it is"
