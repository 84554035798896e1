"""Session 53, lead: what the readers' review (revI53) found."""

import pytest
from test_train53 import setup  # noqa: F401 - fixture


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_ripple_calibration_that_is_no_number_is_set_aside_and_the_scan_opens(tmp_path):
    """`depth-scale abc` refused the whole scan ("is not a finite number"), where a units key
    naming no energy unit (91b9730) and an HDF5, zarr or sidecar offset or gain that is no number
    are set aside and the scan opens uncalibrated."""
    from test_ripple53 import _read, _ripple

    for lines, key, word in (
        ("depth-scale\tabc\ndepth-units\tkeV\n", "depth-scale", "'abc'"),
        ("depth-origin\tnan\nDepth-Scale\t0.01\ndepth-units\tkeV\n", "depth-origin", "'nan'"),
    ):
        path = _ripple(tmp_path, lines)
        cube, told = _read(path)
        note = (
            f"calibration key '{key}' is not a finite number: {word}; "
            "the header's calibration set aside"
        )
        assert told == [f"{path}: {note}"]
        assert cube.shape == (3, 2, 64) and cube.calibration.source == "none"
        assert cube.metadata["calibration_note"] == f"{path}: {note}"


def test_a_zarr_store_declaring_more_than_it_holds_is_refused_without_zarr3s_local_store(
    tmp_path, monkeypatch
):
    """03fdaca counted a folder store's bytes through zarr.storage.LocalStore, which zarr 2
    (pyproject allows >= 2.16) lacks: the ImportError was taken for "a store that cannot tell",
    and a store declaring 400 x 400 x 256 that holds no chunk opened instead of being refused."""
    zarr = pytest.importorskip("zarr")
    from xrf_napari.io import CubeReadError, read_cube

    empty = tmp_path / "empty.zarr"
    zarr.open_array(str(empty), mode="w", shape=(400, 400, 256), chunks=(8, 8, 256), dtype="u2")
    monkeypatch.delattr(zarr.storage, "LocalStore")  # as under zarr 2
    with pytest.raises(CubeReadError, match="the store holds only"):
        read_cube(empty)


def test_evaluate_keeps_no_cube_for_the_ari_pass_beyond_half_the_free_memory(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    """753745d kept up to ARI_KEEP_BYTES (2 GiB) of cubes for the ARI pass whatever memory was
    free (revT53): where that much is not free evaluate could be killed where it had finished.
    A cube is kept only within half of what is still free; beyond, it is read again."""
    from pathlib import Path

    import xrf_napari.io.hdf5 as hdf5
    import xrf_napari.memory as memory
    from xrf_napari.cli.train import main
    from xrf_napari.training import eval_embedder
    from xrf_napari.training.data import list_cubes

    monkeypatch.setattr(memory, "memory_budget", lambda: 1024)  # 1 KiB free: keep nothing
    opened, open_hdf5 = [], hdf5.open_hdf5
    monkeypatch.setattr(
        hdf5,
        "open_hdf5",
        lambda path, *a, **k: opened.append(Path(path).name) or open_hdf5(path, *a, **k),
    )
    monkeypatch.setattr(
        eval_embedder,
        "evaluate_cube",
        lambda embedder, counts, labels, **_: {
            "k": 1,
            "n_pixels": labels.size,
            "interior_fraction": 1.0,
            "pooled": False,
        },
    )
    _, data, dve, _, _ = setup
    argv = ["evaluate", "--data", str(data), "--embedder", str(dve), "--max-cubes", "1"]
    assert main([*argv, "--device", "cpu", "--no-progress", "--out", str(tmp_path / "o")]) == 0
    assert sorted(opened) == [list_cubes(data)[0].name] * 2


def test_the_ari_pass_names_a_cube_whose_metadata_is_no_json(tmp_path):
    """read_cube_arrays raised a bare "JSONDecodeError: Expecting value: line 1 column 1" on a
    cube whose root 'metadata' attribute is no JSON (revT53), naming no file, where the colour
    pass (read_project_cube) scores the same cube with a metadata_note: both read it alike."""
    import h5py
    import numpy as np

    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.data import read_cube_arrays

    path = tmp_path / "cube_00000.h5"
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    counts = np.ones((4, 5, 512), np.uint16)
    write_cube(path, counts, cal, targets={"labels": np.zeros((4, 5), np.int32)})
    with h5py.File(path, "r+") as f:
        f.attrs["metadata"] = "{not json"
    got, labels, meta = read_cube_arrays(path, rebin=True)
    assert np.array_equal(got, counts) and labels.shape == (4, 5)
    assert "not valid JSON" in meta["metadata_note"]


def test_regions_found_for_a_scan_not_shown_are_let_go_once_deleted(
    make_napari_viewer, qtbot, tmp_path
):
    """The Pigments dock kept regions found while another scan was shown (to choose them when
    their scan is shown again) by a strong reference (revW53): a regions layer deleted meanwhile
    stayed in memory with its labels until the scan was shown again or closed, as a0ef7e8 mended
    for the photograph. Kept weakly now; regions still open are still chosen with their scan."""
    import gc
    import types
    import weakref

    import numpy as np
    from _napari_helpers import open_cube, write_painted_cube

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    a = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[0]
    b = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[0]
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    h, w = a.data.shape[:2] if a.data.ndim == 3 else a.data.shape[1:]

    def found():
        labels = np.ones((h, w), np.int32)
        labels[: h // 2] = 2
        dock._add_regions(a, types.SimpleNamespace(labels=labels, k=2, silhouette=None))
        return next(layer for layer in viewer.layers if layer.name.startswith("regions"))

    dock.cube_combo.set_layer(b)
    kept = found()
    dock.cube_combo.set_layer(a)
    assert dock.labels_combo.current_layer() is kept  # still open: chosen with its scan
    viewer.layers.remove(kept.name)
    del kept
    dock.cube_combo.set_layer(b)
    regions = weakref.ref(found())
    viewer.layers.remove(regions().name)
    qtbot.wait(0)
    gc.collect()
    assert regions() is None, "the Pigments dock kept the deleted regions"


def test_the_calibrations_own_anode_shown_by_the_scatter_is_not_said_unseen():
    """scan_anode said "(the spectra show no tube's scatter lines)" of a scan whose automatic
    calibration assumed the tube whose lines the spectra do show (revA53): guess_scan_anode
    declines them there on purpose (they confirm nothing), and the note took that for absence."""
    import numpy as np
    from test_pigment_fit import CANON, RECIPES, _cube

    from xrf_napari.analysis.tube_guess import guess_anode, scan_anode
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration
    from xrf_napari.physics.instrument import InstrumentProfile

    prof = InstrumentProfile(anode="Rh", kv=45.0, fwhm_mn_ev=170.0, counts_per_pixel=2000.0)
    cube, _ = _cube(RECIPES[:3], size=24, seed=4, profile=prof)
    counts = np.asarray(cube.data).reshape(-1, 512).astype(float)
    assert guess_anode(counts) == "Rh"
    cal = Calibration(CANON.offset, CANON.gain, CANON.quadratic, source="auto")
    auto = {"residual_ev_rms": 12.3, "matched": [], "anode": "Rh"}
    anode, how = scan_anode(
        cube_from_array(np.asarray(cube.data), cal, auto_calibration=auto), counts
    )
    assert anode == "Rh" and "no tube's scatter lines" not in how
    assert "its scatter lines show where that calibration put them" in how
    flat = np.ones_like(counts)  # no tube's lines: said so
    assert (
        "show no tube's scatter lines"
        in scan_anode(
            cube_from_array(np.ones((24, 24, 512), np.float32), cal, auto_calibration=auto), flat
        )[1]
    )


def test_a_contradicted_file_calibration_is_replaced_for_the_tube_its_scatter_shows(tmp_path):
    """e587e88 calibrated a scan naming no tube for the tube its scatter lines show, but a file
    whose own calibration contradicts its peaks was re-calibrated assuming Rh (revB53): Spectrum
    said "auto, assuming a Rh tube" of a Mo-tube scan while Pigments read Mo, the contradiction
    e587e88 mended by the other road."""
    from test_autocal import _npy_with_sidecar
    from test_tube48 import BASE, _native

    from xrf_napari.detector import calibration_anode, calibration_anode_seen
    from xrf_napari.io import read_cube

    counts = _native("Mo", 35.0)
    path = _npy_with_sidecar(tmp_path, "wrong", counts, BASE.offset + 1.0, BASE.gain)
    with pytest.warns(UserWarning, match="contradicts the spectrum's peaks"):
        cube = read_cube(path)
    assert cube.calibration.source == "auto"
    assert calibration_anode(cube.metadata) == "Mo" and calibration_anode_seen(cube.metadata)
    assert abs(cube.calibration.offset - BASE.offset) < 0.02
    named = read_cube(path, anode="Rh")  # a tube named is used as given
    assert calibration_anode(named.metadata) == "Rh" and not calibration_anode_seen(named.metadata)


def test_forgetting_strokes_through_napari_s_proxy_warns_of_no_private_access():
    """Every Embed run printed napari's FutureWarning "Private attribute access
    ('Labels._reset_history') ... will be unavailable no earlier than 0.10.0" (gui53):
    forget_strokes reached the private method through the public-only proxy a plugin's viewer
    hands out; it goes through the layer behind it, as follow_edits does. The history is
    emptied."""
    import warnings

    import numpy as np
    from napari.layers import Labels
    from napari.utils._proxies import PublicOnlyProxy

    from xrf_napari.widgets._layers import forget_strokes

    layer = Labels(np.zeros((4, 4), np.int32))
    layer.paint((1, 1), 2)
    assert len(layer._undo_history) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        forget_strokes(PublicOnlyProxy(layer))
    assert len(layer._undo_history) == 0
