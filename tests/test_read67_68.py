"""Post-stop reading of session 67's diff (read67, session 68): a 2-D image napari made from a
cube layer (Layers > Projections, which copies the layer's metadata) is not left out of a .h5
save as the cube's sum image."""

import numpy as np
import pytest


def _layers(tmp_path):
    """The reader's (data, meta, kind) tuples of a small in-memory cube as napari's writer gets
    them (meta carries the layer's name), and a max projection of the cube layer with the cube
    layer's metadata, as napari's Layers > Projections makes it."""
    from xrf_napari._reader import cube_layers
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    cube = Cube(np.ones((4, 5, 64), np.float32), Calibration(0.0, 0.1))
    (stack, meta, kind), (total, sum_meta, sum_kind) = cube_layers(cube)[:2]
    proj = np.asarray(stack).max(axis=0)
    return [
        (stack, {**meta, "name": "cube"}, kind),
        (total, {**sum_meta, "name": "cube sum"}, sum_kind),
        (proj, {**meta, "name": "cube max-proj"}, "image"),
    ]


def test_a_projection_of_the_cube_is_not_left_out_as_its_sum_image(tmp_path):
    """Save All Layers with a .h5 name, the cube beside its sum image and napari's max projection
    of the cube layer: the projection was left out with "'scan max-proj' not saved: the sum
    image of a cube saved here, made again from the cube's file when it is opened", and the cube
    saved alone (/work/runs68/read67/probe_proj.py). It is no sum image and the cube's file does
    not make it: the save is refused naming it, nothing written, as for any other layer that is
    no cube. Fails on the parent: nothing raised, all.h5 written."""
    from xrf_napari._writer import CubeSaveError, write_cube_layers

    with pytest.warns(UserWarning, match="^'cube sum' not saved: the sum image"):
        with pytest.raises(CubeSaveError) as e:
            write_cube_layers(str(tmp_path / "all.h5"), _layers(tmp_path))
    assert str(e.value).startswith(
        "layer 'cube max-proj' is a 2-D image made from the cube 'cube' (shape (4, 5), "
    )
    assert list(tmp_path.iterdir()) == []


def test_the_sum_image_alone_is_still_named_the_sum_image(tmp_path):
    """A guard: a cube's own sum image saved beside the cube is still left out with the warning,
    and one saved without its cube still refused as "the sum image of" it."""
    from xrf_napari._writer import CubeSaveError, write_cube_layer, write_cube_layers

    cube, total = _layers(tmp_path)[:2]
    with pytest.warns(UserWarning, match="^'cube sum' not saved: the sum image of a cube saved"):
        assert write_cube_layers(str(tmp_path / "all.h5"), [cube, total]) == [
            str(tmp_path / "all.h5")
        ]
    with pytest.raises(CubeSaveError, match="^layer 'cube sum' is the sum image of the cube"):
        write_cube_layer(str(tmp_path / "sum.h5"), *total[:2])


def test_an_image_record_of_no_text_kind_is_no_crash(tmp_path, capsys):
    """A picture marked Software "xrf-napari 0.1.0" whose record's "image" is a list or an object
    (a damaged or edited file): saved_marks.record_words looked it up in a dict, so napari's
    reader claim of the TIFF raised TypeError (unhashable type: 'list') and `info` said "could
    not be read as tiff (TypeError: ...)", and `info` of the PNG died with a traceback
    (/work/runs68/read67/probe_record.py). Now it is "an image xrf-napari 0.1.0 wrote". Fails on
    the parent: TypeError."""
    import json

    import tifffile
    from PIL import Image, PngImagePlugin

    from xrf_napari._reader import _own_tiff_reader
    from xrf_napari.cli.main import main

    tif, png = tmp_path / "m.tif", tmp_path / "m.png"
    tifffile.imwrite(
        tif,
        np.zeros((4, 5), "u2"),
        software="xrf-napari 0.1.0",
        description=json.dumps({"image": []}),
        metadata=None,
    )
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "xrf-napari 0.1.0")
    info.add_text("Description", json.dumps({"image": {"a": 1}}))
    Image.fromarray(np.zeros((4, 5), "u1")).save(png, pnginfo=info)
    assert _own_tiff_reader(str(tif)) is not None  # an image of ours: opened as one
    for path in (tif, png):
        assert main(["info", str(path)]) == 2
        said = capsys.readouterr().err
        assert f"{path}: " in said and "an image xrf-napari 0.1.0 wrote" in said, said
        assert "TypeError" not in said


def test_the_dataset_advice_of_a_several_cube_file_runs_as_printed(tmp_path):
    """An HDF5 file of '/scan a' (4, 5, 128) and '/scan b' (6, 5, 128): the warning said "choose
    one with --dataset /scan a", which, run as printed, `info` refused ("unrecognized arguments:
    a"; /work/runs68/read67/probe_space.py). The name is now quoted for a shell. Fails on the
    parent: "--dataset /scan a (dataset='/scan a')"."""
    import shlex
    import warnings

    import h5py

    from xrf_napari.cli.main import main
    from xrf_napari.io import read_cube

    path = tmp_path / "two.h5"
    with h5py.File(path, "w") as f:
        f["scan a"], f["scan b"] = np.ones((4, 5, 128), "u2"), np.ones((6, 5, 128), "u2")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        read_cube(path, auto_calibrate=False)
    said = [str(w.message) for w in rec if "choose one with" in str(w.message)]
    assert len(said) == 1 and said[0].endswith(
        "choose one with --dataset '/scan a' (dataset='/scan a')"
    ), said
    advice = said[0].split("choose one with ")[1].split(" (dataset=")[0]
    assert main(["info", str(path), *shlex.split(advice)]) == 0
