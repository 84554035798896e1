"""Review of read67's commits (revQ68, session 68): what a script's save of several cube layers
under a bare name does, as the user guide says it."""

import numpy as np


def _cube_layer(name: str):
    """An Image layer of a small in-memory cube, as the reader makes one (metadata "xrf_cube")."""
    from napari.layers import Image

    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    counts = np.ones((3, 4, 16), np.float32)
    cube = Cube(counts, Calibration(0.0, 0.1), metadata={"name": name})
    return Image(np.moveaxis(counts, -1, 0), name=name, metadata={"xrf_cube": cube})


def test_a_bare_name_for_several_cube_layers_writes_nothing(make_napari_viewer, tmp_path, recwarn):
    """A guard: the user guide says that `save_layers("cubes", ..., plugin="xrf-napari")` of
    several layers writes nothing, napari warning only "Given plugin 'xrf-napari' is not a valid
    writer" (npe2 adds .h5 to a bare name for one layer only; for several it asks for a folder
    writer, which xrf-napari does not declare). That `cubes.h5` writes one file per cube is
    test_lateB66's."""
    import napari

    make_napari_viewer()  # registers the plugin's writers
    layers = [_cube_layer("A"), _cube_layer("B")]
    assert napari.save_layers(str(tmp_path / "cubes"), layers, plugin="xrf-napari") == []
    said = [str(w.message) for w in recwarn]
    assert f"Given plugin 'xrf-napari' is not a valid writer for {tmp_path / 'cubes'}." in said
    assert list(tmp_path.iterdir()) == []


def test_advice_quotes_a_name_with_a_space_for_windows_shells_in_double_quotes(monkeypatch):
    """On Windows the several-cubes warning said "choose one with --dataset '/scan a'" (aa8bb962's
    shlex.quote): cmd.exe takes no single quotes, so the advice run as printed gave the program
    "'/scan" and "a'". Now errors.shell_word quotes as Windows' C runtime reads an argument
    (double quotes), as does the advice for a dashed name ("write './-l maps'"). os.name is
    stood in for in errors alone. Fails on the parent: single quotes."""
    from types import SimpleNamespace

    from xrf_napari import errors
    from xrf_napari.cli._dispatch import _typed

    monkeypatch.setattr(errors, "os", SimpleNamespace(name="nt"))
    said = errors.chosen_cube(
        "two.h5",
        "dataset",
        ("/scan b", (6, 5, 128)),
        [("/scan a", (4, 5, 128))],
        "the last by name",
        False,
    )
    assert said.endswith("""choose one with --dataset "/scan a" (dataset='/scan a')"""), said
    assert _typed("./-l maps") == '"./-l maps"'
    assert _typed("plain") == "plain"


def test_a_sidecars_kind_does_not_make_the_cube_layer_a_sum_image(tmp_path):
    """A .npy scan whose sidecar holds "kind": "sum": cube_layer_metadata copied the file's
    entries into the cube layer's metadata, and "kind" "sum" is what marks the reader's sum image
    (d45753cf's writer, the calibration pass, Calibrate from two peaks ask it): the cube layer was
    taken for a sum image, and give_calibration (the user's two peaks) left its axis on channel
    numbers, its metadata's calibration "none" (/work/runs68/revQ68/probe_kind2.py). Fails on the
    parent: the cube layer's kind is "sum"."""
    import json

    from napari.components import ViewerModel

    from xrf_napari._reader import cube_layers
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.widgets._calibrate import give_calibration

    np.save(tmp_path / "s.npy", np.ones((4, 5, 64), "u2"))
    (tmp_path / "s.json").write_text(json.dumps({"kind": "sum"}))
    cube = read_cube(tmp_path / "s.npy", auto_calibrate=False)
    viewer = ViewerModel()
    for data, meta, kind in cube_layers(cube):
        viewer._add_layer_from_data(data, meta, kind)
    stack, total = viewer.layers
    assert stack.metadata.get("kind") is None and total.metadata["kind"] == "sum"
    give_calibration(viewer, cube, cube.with_calibration(Calibration(0.0, 0.1, source="user")))
    assert stack.axis_labels[0] == "energy" and stack.metadata["calibration"]["source"] == "user"


def test_the_several_cubes_advice_for_a_dashed_name_runs_as_printed(tmp_path):
    """An .npz of members '-a' (4, 5, 128) and 'b' (6, 5, 128): the warning said "choose one
    with --dataset -a", which `info` refused as printed ("'-a' begins with '-' and is read as an
    option; to give it to --dataset, write --dataset=-a"; /work/runs68/revQ68/probe_dash.py).
    Fails on the parent: "--dataset -a"."""
    import shlex
    import warnings

    from xrf_napari.cli.main import main
    from xrf_napari.io import read_cube

    path = tmp_path / "two.npz"
    np.savez(path, **{"-a": np.ones((4, 5, 128), "u2"), "b": np.ones((6, 5, 128), "u2")})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        read_cube(path, auto_calibrate=False)
    said = [str(w.message) for w in rec if "choose one with" in str(w.message)]
    assert len(said) == 1 and said[0].endswith("choose one with --dataset=-a (dataset='-a')"), said
    advice = said[0].split("choose one with ")[1].split(" (dataset=")[0]
    assert main(["info", str(path), "--no-progress", *shlex.split(advice)]) == 0
