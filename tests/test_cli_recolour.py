"""`xrf-napari recolour`: a cube file in, an RGB image of the scan's size out."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.cli.main import main  # noqa: E402
from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402
from xrf_napari.models.weights import save_weights  # noqa: E402
from xrf_napari.training.toy_data import toy_cube  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import build_from_config as build_uvit

    d = tmp_path_factory.mktemp("recolour")
    counts, labels, meta = toy_cube(37, 53, n_regions=3, seed=1, counts_per_pixel=300)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    cube = write_cube(d / "scan.h5", counts, cal, metadata=meta)
    torch.manual_seed(0)
    dve = build_dve({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    uvit = build_uvit(
        {
            "img_size": 32,
            "patch": 8,
            "dim": 18,
            "depth": 3,
            "heads": 9,
            "mlp_ratio": 2.0,
            "pixel_skip": True,
            "head_hidden": 4,
        }
    )
    save_weights(uvit.state_dict(), d / "uvit.safetensors", uvit.config)
    return d, cube


def test_cli_writes_png_and_tiff_of_the_input_size(files, capsys):
    import tifffile
    from PIL import Image

    d, cube = files
    common = [
        "--weights",
        str(d / "uvit.safetensors"),
        "--embedder-weights",
        str(d / "dve.safetensors"),
        "--device",
        "cpu",
        "--no-progress",
    ]
    assert main(["recolour", str(cube), "--output", str(d / "out.png")] + common) == 0
    img = np.asarray(Image.open(d / "out.png"))
    assert img.shape == (37, 53, 3) and img.dtype == np.uint8
    err = capsys.readouterr().err
    assert "on cpu" in err
    # The file holds the model's prediction for this cube, pixel for pixel (orientation, channel
    # order and 0-1 -> 0-255 scale), as the library computes it with the same weights and tiling.
    assert_is_prediction(img, cube, d)
    tiled = ["--tile", "16", "--overlap", "4"]
    assert main(["recolour", str(cube), "--output", str(d / "out.tif")] + tiled + common) == 0
    assert_is_prediction(tifffile.imread(d / "out.tif"), cube, d, tile=16, overlap=4)
    flips = ["--average-flips", "--output", str(d / "flips.png")]
    assert main(["recolour", str(cube)] + flips + common) == 0
    assert "8 orientations per tile averaged" in capsys.readouterr().err
    flipped = np.asarray(Image.open(d / "flips.png"))
    assert_is_prediction(flipped, cube, d, average_flips=True)
    assert (flipped != img).any()  # the option reached the model (the plain run is deterministic)


def assert_is_prediction(img, cube_path, d, **tiling):
    from xrf_napari import read_cube
    from xrf_napari.analysis.recolour import recolour

    rgb = recolour(
        read_cube(cube_path),
        weights=d / "uvit.safetensors",
        embedder_weights=d / "dve.safetensors",
        device="cpu",
        **tiling,
    ).rgb
    expected = np.floor(np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5)
    assert expected.std() > 1.0  # the toy regions give the model something to colour
    assert img.shape == expected.shape and img.dtype == np.uint8
    assert np.abs(img.astype(np.float64) - expected).max() <= 1.0


def test_cli_reports_bad_input_clearly(files, capsys):
    d, cube = files
    assert (
        main(
            [
                "recolour",
                str(d / "missing.h5"),
                "--output",
                str(d / "x.png"),
                "--weights",
                str(d / "uvit.safetensors"),
            ]
        )
        == 2
    )
    assert "missing.h5" in capsys.readouterr().err
    assert main(["recolour", str(cube), "--output", str(d / "x.jpg")]) == 2
    assert ".png" in capsys.readouterr().err
    assert (
        main(
            [
                "recolour",
                str(cube),
                "--output",
                str(d / "x.png"),
                "--weights",
                str(d / "dve.safetensors"),
                "--device",
                "cpu",
            ]
        )
        == 2
    )
    assert "not SmallUViT (recolouriser) weights (a DVE" in capsys.readouterr().err
    assert not (d / "x.png").exists()
