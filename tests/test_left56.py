"""Session 56, defects helpers left: Recolour and Embed & cluster refuse a scan without an energy
calibration as it is chosen (energy.uncalibrated_refusal, as Elemental maps and Pigments do)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_models_docks_are_off_on_a_scan_without_calibration_and_on_as_one_arrives(
    make_napari_viewer, qtbot, tmp_path
):
    """Fails on the parent: on a scan left without an energy calibration (an .npy with no peaks
    to calibrate from) Recolour's and Embed & cluster's Run stayed on, and the models read its
    channel numbers as keV (Fe K at 6.4 keV: 0.4 % of the counts read, the strongest at
    17.5 keV), making regions and colours of that. Run is off as the scan is chosen, saying why
    in the energy module's words, not while the automatic calibration is being fitted, and on
    again once a calibration arrives."""
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.energy import Calibration
    from xrf_napari.io import AUTO_PENDING
    from xrf_napari.layerkinds import CUBE_KEY, layer_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    path = tmp_path / "flat.npy"
    np.save(path, np.ones((4, 5, 256), np.uint16))
    viewer = make_napari_viewer()
    docks = (RecolourWidget(viewer), EmbedClusterWidget(viewer))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = open_cube(viewer, path)
    cube = layer_cube(layers[0])
    assert cube.calibration.source == "none"
    for dock in docks:
        wait_idle(qtbot, dock.job)
        run = dock.job.run_button
        assert not run.isEnabled(), dock.models_dock
        for said in (run.toolTip(), dock.job.status.text()):
            assert said.startswith(
                f"{dock.models_dock}: flat: no energy calibration, so its lines cannot be read"
            ), said
        assert dock.run() is None  # refused before any model loads
        fitting = cube.with_calibration(cube.calibration)
        fitting.metadata["auto_calibration"] = AUTO_PENDING
        assert dock.scan_refusal(fitting) == ""  # Run waits for it
    calibrated = cube.with_calibration(Calibration(0.0, 0.1, source="user"))
    for layer in layers:  # a calibration arrives, as _reader._deliver_sum puts one
        if layer_cube(layer) is cube:
            layer.metadata = {**layer.metadata, CUBE_KEY: calibrated}
    for dock in docks:
        wait_idle(qtbot, dock.job)
        assert dock.current_cube() is calibrated
        run = dock.job.run_button
        assert run.isEnabled() and "no energy calibration" not in run.toolTip(), run.toolTip()


def test_maps_refuse_an_uncalibrated_cube_in_the_docks_words(tmp_path):
    """Fails on the parent: the maps said "the cube <path> has no energy calibration, ..." in
    words of their own, where the docks and the pigment fit say energy.uncalibrated_refusal's;
    now those, naming the file."""
    import pytest

    from xrf_napari.analysis.maps import plan_for_cube
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration, uncalibrated_refusal

    cube = Cube(np.ones((2, 2, 64), np.uint16), Calibration.uncalibrated(), path=tmp_path / "a.npy")
    with pytest.raises(ValueError) as raised:
        plan_for_cube(cube, ["Fe"])
    assert str(raised.value) == uncalibrated_refusal(cube, str(tmp_path / "a.npy"))


def test_pigments_labels_kept_in_external_raw_files_read_from_another_folder(tmp_path, monkeypatch):
    """Fails on the parent: `xrf-napari pigments --labels labels.h5` read the map with plain
    h5py, which looks for an external raw file in the working directory, so labels kept in a .raw
    beside the file failed "unable to open external raw data file" from any other folder; read
    as the counts and targets are (io.lazy.read_whole)."""
    import h5py

    from xrf_napari.cli.pigments_cmd import read_labels

    folder = tmp_path / "set"
    folder.mkdir()
    lab = (np.arange(12, dtype=np.int32).reshape(3, 4) % 3) + 1
    lab.tofile(folder / "labels.raw")
    monkeypatch.chdir(folder)  # the raw file named relatively, as beside the labels file
    with h5py.File(folder / "labels.h5", "w") as f:
        f.create_dataset("labels", shape=lab.shape, dtype=lab.dtype,
                         external=[("labels.raw", 0, lab.nbytes)])  # fmt: skip
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    np.testing.assert_array_equal(read_labels(folder / "labels.h5", (3, 4)), lab)
