"""Readers, session 68: the readers name xrf-napari's saved images without importing analysis/
(saved_marks sits below both); a zarr store of several cubes names the one read, an HDF5 cube
whose name is no text is said set aside, and `info --json` carries the file's warnings."""

import json
import subprocess
import sys
import warnings

import h5py
import numpy as np
import pytest

from xrf_napari import __version__

#: Run in a fresh interpreter: each reader path that names a saved image, then the analysis
#: modules it imported (none) and what it said.
_READ_SAVED = """
import sys
from xrf_napari import io
from xrf_napari._reader import napari_get_reader
from xrf_napari.io.arrays import not_a_picture
from xrf_napari.io.spectra import exported_anode

said = []
for name in ("map.tif", "quicklook.png"):
    try:
        io.read_cube(sys.argv[1] + "/" + name)
    except io.CubeReadError as exc:
        said.append(str(exc))
layers = napari_get_reader(sys.argv[1] + "/labels.tif")(sys.argv[1] + "/labels.tif")
said.append(layers[0][2])
said.append(str(not_a_picture(sys.argv[1] + "/quicklook.png")))
said.append(exported_anode(["tube anode: Mo"]))
print(sorted(m for m in sys.modules if m.startswith("xrf_napari.analysis")))
print(said)
"""


def test_the_readers_name_saved_images_without_importing_analysis(tmp_path):
    """io and _reader imported export (and with it the analysis package) and colour_prior for
    the words of an image xrf-napari wrote: the readers sat above analysis/. A fresh interpreter
    reading a map TIFF, a quicklook PNG, a label TIFF and a CSV's tube line imports no
    xrf_napari.analysis module, and says what each is as before."""
    from xrf_napari.analysis.export import save_label_image, write_image

    write_image(tmp_path / "map.tif", np.ones((4, 5), np.uint16), description='{"element": "Fe"}')
    write_image(tmp_path / "quicklook.png", np.ones((4, 5), np.uint8))
    save_label_image(tmp_path / "labels.tif", np.arange(20).reshape(4, 5))
    run = subprocess.run(
        [sys.executable, "-c", _READ_SAVED, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    modules, said = run.stdout.splitlines()[-2:]
    assert modules == "[]", modules
    assert "the Fe map of a scan that xrf-napari wrote (4 x 5" in said, said
    assert f": an image xrf-napari {__version__} wrote, a picture, not a spectral" in said, said
    assert "'labels', 'None', 'Mo'" in said, said


def _read_warned(path, **options) -> tuple:
    """(the cube read_cube reads, its warnings' words)."""
    from xrf_napari.io import read_cube

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False, **options)
    return cube, [str(w.message) for w in said]


def test_a_zarr_store_of_several_cubes_names_the_one_read_and_the_others(tmp_path):
    """A zarr store of two 3-D arrays opened the largest without a word, where .npz and HDF5
    name the one read and the others with --dataset (errors.chosen_cube). Of equally large ones
    the first by name is read and said so: zarr lists a group's members in the order its reads
    finish, so which was read (and which the warning named) changed from one opening to the next."""
    import zarr

    g = zarr.open_group(str(tmp_path / "two.zarr"), mode="w")
    g.create_array("first", data=np.ones((4, 5, 128), "u2"))
    g.create_array("second", data=np.ones((6, 5, 128), "u2"))
    g.create_array("third", data=np.ones((4, 5, 128), "u2"))
    cube, said = _read_warned(tmp_path / "two.zarr")
    assert cube.shape == (6, 5, 128)
    assert said == [
        f"{tmp_path / 'two.zarr'}: array 'second' (6, 5, 128) was read (the largest); its other "
        "3-D cubes: 'first' (4, 5, 128), 'third' (4, 5, 128): choose one with --dataset first "
        "(dataset='first')"
    ], said
    cube, said = _read_warned(tmp_path / "two.zarr", dataset="first")  # chosen: no word
    assert cube.shape == (4, 5, 128) and said == []
    g = zarr.open_group(str(tmp_path / "tie.zarr"), mode="w")
    for name in ("b", "c", "a"):  # zarr lists members as its reads finish: a tie is by name
        g.create_array(name, data=np.full((4, 5, 128), ord(name), "u2"))
    cube, said = _read_warned(tmp_path / "tie.zarr")
    assert cube.metadata["dataset"] == "a", said
    assert (
        "arrays 'a' and 'b' are equally large 3-D cubes; 'a' was read (the first by name)"
        in said[0]
    )


def test_an_ome_zarr_pyramid_names_no_level_as_another_cube(tmp_path):
    """A guard: an OME-Zarr image's lower resolution levels are the same image, not other cubes:
    the store opens its full level without the several-cubes warning."""
    import zarr

    g = zarr.open_group(str(tmp_path / "ome.zarr"), mode="w")
    axes = [{"name": n, "type": t} for n, t in zip("tczyx", ("time", "channel", *["space"] * 3))]
    g.attrs["multiscales"] = [{"axes": axes, "datasets": [{"path": "0"}, {"path": "1"}]}]
    g.create_array("0", data=np.ones((1, 128, 1, 4, 6), "u2"))
    g.create_array("1", data=np.ones((1, 128, 1, 2, 3), "u2"))
    cube, said = _read_warned(tmp_path / "ome.zarr")
    assert cube.shape == (4, 6, 128) and said == [], said


def test_a_cube_whose_name_is_no_text_beside_the_one_read_is_said_set_aside(tmp_path):
    """An HDF5 cube whose name had a byte altered (h5py gives it as bytes), beside a smaller
    readable one: the readable one was read and the damaged one named nowhere."""
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["scan"] = np.ones((4, 5, 128), "u2")
        f[b"\xa4can2"] = np.ones((6, 5, 128), "u2")
    cube, said = _read_warned(path)
    assert cube.metadata["dataset"] == "/scan"
    assert said == [
        f"{path}: dataset '/scan' was read; the name of an object in / is no text (b'\\xa4can2': "
        "a byte of it altered): set aside, not read (the file is damaged there: copy it again "
        "from its source)"
    ], said


def test_info_json_carries_the_several_cubes_warning(tmp_path, capsys):
    """`info --json` of a file of several cubes said which was read on stderr only: the JSON
    holds the file's warnings too (a "warnings" list); stderr still has them."""
    from xrf_napari.cli.main import main

    path = tmp_path / "two.npz"
    np.savez(path, first=np.ones((4, 5, 128), "u2"), second=np.ones((6, 5, 128), "u2"))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert main(["info", "--json", "--no-auto-calibration", "--no-progress", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    words = (
        f"{path}: member 'second' (6, 5, 128) was read (the largest); its other 3-D cubes: "
        "'first' (4, 5, 128): choose one with --dataset first (dataset='first')"
    )
    assert info["warnings"] == [words], info.get("warnings")
    assert [str(w.message) for w in said] == [words]


@pytest.mark.parametrize(
    ("members", "head"),
    [
        (("first", "second"), "members 'first' and 'second' are equally large 3-D cubes; 'first' "
         "was read (the first)"),
        (("counts", "other"), "members 'counts' and 'other' are equally large 3-D cubes; "
         "'counts' was read (by its name)"),
    ],
)  # fmt: skip
def test_a_tie_of_npz_members_is_said_as_before(tmp_path, members, head):
    """A guard: errors.chosen_cube judges the tie its callers had judged again for the rule's
    words; an .npz's tie still reads "the first", and a member read by its name "by its name"."""
    path = tmp_path / "tie.npz"
    np.savez(path, **{m: np.ones((4, 5, 128), "u2") for m in members})
    _, said = _read_warned(path)
    assert said == [
        f"{path}: {head}; its other 3-D cubes: '{members[1]}' (4, 5, 128): choose one with "
        f"--dataset {members[1]} (dataset='{members[1]}')"
    ], said


def test_an_ome_zarr_image_names_its_damaged_chunk_and_watches_its_files(tmp_path):
    """An OME-Zarr image's damaged chunk was "a compressed chunk of the scan dataset", not of
    its zarr array, and no file of the array was watched for a rewrite (errors.stores_under did
    not see the array under arrays._OmeImage); both name the array now (fuzz seed 6868)."""
    import zarr

    from xrf_napari.io import CubeReadError, read_cube
    from xrf_napari.io.limits import stored_files

    store = tmp_path / "ome.zarr"
    g = zarr.open_group(str(store), mode="w")
    axes = [{"name": n, "type": t} for n, t in zip("tczyx", ("time", "channel", *["space"] * 3))]
    g.attrs["multiscales"] = [{"axes": axes, "datasets": [{"path": "0"}]}]
    data = np.random.default_rng(0).poisson(3, (1, 128, 1, 8, 6)).astype("u2")
    g.create_array("0", data=data, chunks=(1, 128, 1, 4, 6))
    cube, _ = _read_warned(store)
    assert store / "0" / "zarr.json" in stored_files(cube.data, store)
    chunk = max(p for p in (store / "0").rglob("*") if p.is_file() and p.name != "zarr.json")
    raw = bytearray(chunk.read_bytes())
    raw[len(raw) // 2 : len(raw) // 2 + 8] = b"\xff" * 8
    chunk.write_bytes(bytes(raw))
    with pytest.raises(CubeReadError, match="a compressed chunk of zarr array '/0' there"):
        read_cube(store, auto_calibrate=False)
