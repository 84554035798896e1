"""Session 56, calibration notes: a calibration every reader sets aside is kept as the scan's
calibration_note (only ripple kept one), through a save; training reads external targets as the
counts are read; the Elemental maps dock refuses an uncalibrated scan as the other docks do."""

import warnings

import numpy as np
import pytest
from test_io52 import SPX, _mca
from test_io54 import _h5, _rpl, _zarr
from test_spectra39 import _msa

from xrf_napari.io import read_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _npz(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, counts=np.ones((3, 2, 64), "u2"), energy=np.zeros(64))
    return path


def _spx(tmp_path):
    path = tmp_path / "s.spx"
    path.write_text(SPX.replace("0.01<", "nan<"), encoding="utf-8")
    return path


SET_ASIDE = {  # a file whose calibration its reader sets aside; the words it is set aside in
    "spx": (_spx, "its CalibAbs/CalibLin calibration set aside"),
    "hdf5": (lambda p: _h5(p, "KV")[0], "offset/gain attributes of '/data' set aside"),
    "zarr": (lambda p: _zarr(p, "KV")[0], "zarr array '/' set aside"),
    "npz": (_npz, "member 'energy' set aside"),
    "mca": (lambda p: _mca(p / "s.mca", "0 -1 0"), "its #@CALIB line set aside"),
    "emsa": (lambda p: _msa(p / "s.msa", "keV", 0), "its #XPERCHAN"),
    "ripple": (lambda p: _rpl(p, "KV")[0], "the header's calibration set aside"),  # a guard
}


@pytest.mark.parametrize("fmt", SET_ASIDE)
def test_every_readers_calibration_set_aside_is_the_scans_calibration_note(tmp_path, fmt):
    """Fails on the parent but for ripple: a calibration set aside (io.calibration.set_aside)
    left no calibration_note but ripple's, so the pigment fit's notes and the Spectrum dock's
    tooltip of the scan calibrated automatically said "automatic (the file has none)". The
    note is the warning's words, as ripple's is."""
    make, words = SET_ASIDE[fmt]
    path = make(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    told = [str(w.message) for w in caught if "set aside" in str(w.message)]
    assert cube.calibration.source == "none" and len(told) == 1, told
    assert cube.metadata["calibration_note"] == told[0]
    assert told[0].startswith(f"{path}: ") and words in told[0]


def test_a_set_aside_calibrations_note_survives_the_save(tmp_path):
    """Fails on the parent: an .npz whose energy was set aside, calibrated automatically, said
    "energy calibration: automatic (the file has none)" in the pigment fit's notes, and the
    Spectrum dock's tooltip gave no reason; saved by napari's writer or write_cube_streamed and
    opened again, the same. Each now names the energy set aside."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube_streamed
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.widgets.spectrum import calibration_origin

    path = _npz(tmp_path)
    with pytest.warns(UserWarning, match="set aside"):
        cube = read_cube(path, auto_calibrate=False)
    cube = cube.with_calibration(Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH, source="auto"))
    cube.metadata["auto_calibration"] = {"anode": "Rh", "residual_ev_rms": 7.0, "matched": ["Ca"]}
    why = cube.metadata["calibration_note"]
    assert why.startswith(f"{path}: ") and why.endswith("member 'energy' set aside")
    rh = InstrumentProfile(anode="Rh")
    assert calibration_notes(cube, rh)[0].startswith(f"energy calibration: automatic ({why})")
    assert calibration_origin(cube)[1].endswith(f"\n{why}")
    for i, meta in enumerate((_file_metadata(cube), dict(cube.metadata))):
        out = tmp_path / f"saved{i}.h5"
        write_cube_streamed(out, cube, metadata=meta)
        again = read_cube(out, auto_calibrate=False)
        assert again.calibration.source == "auto"
        assert f"fitted when the scan was first read: {why})" in calibration_notes(again, rh)[0]
        assert calibration_origin(again)[1].endswith(f"\n{why}")


def test_training_reads_colour_targets_kept_in_external_raw_files(tmp_path, monkeypatch):
    """Fails on the parent: train_recolouriser and evaluate read /targets/palette and /targets/rgb
    with plain h5py, which looks for an external raw file in the working directory, so a cube
    whose colour targets lie in .raw files beside it failed "unable to open external raw data
    file" read from another folder (io.project_h5.read_targets reads them as the counts are)."""
    import h5py

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.evaluate import _read_project
    from xrf_napari.training.train_recolouriser import _read_training_cube

    folder = tmp_path / "set"
    folder.mkdir()
    counts = np.arange(3 * 4 * 32, dtype=np.uint16).reshape(3, 4, 32) % 7
    path = write_cube(folder / "cube.h5", counts, Calibration(0.0, 0.01))
    colours = {k: np.full((3, 4, 3), i + 40, np.uint8) for i, k in enumerate(("palette", "rgb"))}
    monkeypatch.chdir(folder)  # the raw files named relatively, as beside the cube
    with h5py.File(path, "a") as f:
        for k, arr in colours.items():
            arr.tofile(f"{k}.raw")
            f.create_dataset(f"targets/{k}", shape=arr.shape, dtype=arr.dtype,
                             external=[(f"{k}.raw", 0, arr.nbytes)])  # fmt: skip
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    got, _cal, palette, rgb = _read_training_cube(path)
    np.testing.assert_array_equal(got, counts)
    np.testing.assert_array_equal(palette, colours["palette"])
    np.testing.assert_array_equal(rgb, colours["rgb"])
    _mem, targets, _meta = _read_project(path)
    assert sorted(targets) == ["palette", "rgb"]
    np.testing.assert_array_equal(targets["rgb"], colours["rgb"])


def test_make_maps_is_off_on_a_scan_without_calibration_and_on_as_one_arrives(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, gated_pass
):
    """Fails on the parent: on a scan left without an energy calibration (an .npy with no peaks
    to calibrate from) Make maps stayed on and, an element ticked, failed "the cube ... has no
    energy calibration" with an error notification, where Find pigments is off as the scan is
    chosen, its tooltip saying why. It is off too now (not while the automatic calibration is
    being fitted: it waits for it), and on again once a calibration arrives."""
    from _napari_helpers import open_cube, wait_idle

    import xrf_napari._reader as reader
    from xrf_napari.energy import Calibration
    from xrf_napari.layerkinds import CUBE_KEY, layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget

    path = tmp_path / "flat.npy"
    np.save(path, np.ones((4, 5, 256), np.uint16))
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)  # calibrated in a worker, as a large scan
    viewer = make_napari_viewer()
    dock = ElementMapsWidget(viewer)
    run = dock.job.run_button
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = open_cube(viewer, path)
        assert dock.job.refusal == ""  # fitting: Make maps waits for it
        gated_pass.set()
        qtbot.waitUntil(lambda: "failed" in str(layer_cube(layers[0]).metadata.get(
            "auto_calibration")) and not run.isEnabled(), timeout=10000)  # fmt: skip
    wait_idle(qtbot, dock.job)
    cube = layer_cube(layers[0])
    assert cube.calibration.source == "none" and not run.isEnabled()
    for said in (run.toolTip(), dock.job.status.text()):
        assert said.startswith("Elemental maps: flat: no energy calibration, so its lines"), said
    dock.set_checked_elements(["Fe"])
    assert not run.isEnabled()
    calibrated = cube.with_calibration(Calibration(0.0, 0.01, source="user"))
    for layer in layers:  # a calibration arrives, as _reader._deliver_sum puts one
        if layer_cube(layer) is cube:
            layer.metadata = {**layer.metadata, CUBE_KEY: calibrated}
    wait_idle(qtbot, dock.job)
    assert dock.current_cube() is calibrated
    assert run.isEnabled() and "no energy calibration" not in run.toolTip()
