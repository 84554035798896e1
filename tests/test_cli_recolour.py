"""`xrf-napari recolour`: a cube file in, an RGB image of the scan's size out."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _cli_models import (  # noqa: E402
    assert_is_prediction,
    save_tiny_models,
    weights_args,
    write_toy_scan,
)

from xrf_napari.cli.main import main  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("recolour")
    cube = write_toy_scan(d / "scan.h5", 37, 53, n_regions=3)[0]
    save_tiny_models(d)
    return d, cube


def test_cli_writes_png_and_tiff_of_the_input_size(files, capsys):
    import tifffile
    from PIL import Image

    d, cube = files
    common = weights_args(d)
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
