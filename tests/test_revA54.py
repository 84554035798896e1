"""Review of anode54's tube given to read_cube (b7a00beb, 9549d368) and a Pigments status line
(session 54, revA54): a tube given to auto_calibrated later, or recorded by a calibration saved
before the "given" word, was the calibration's tube but not the scan's; Find regions sent the user
to a photograph deleted during the run."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import (
    CANONICAL_CAL,
    bands,
    cu_tube_scan,
    held_job,
    open_cube,
    pigments_dock_with_photo,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_tube_given_to_auto_calibrated_is_the_scans_too(tmp_path):
    """Fails on the parent: read with Rh, calibrated later for the Cu given to auto_calibrated,
    the calibration assumed Cu while the suggestion, the fit and the rows kept Rh; and a Cu given
    to auto_calibrated of a scan whose calibration failed was the scan's tube nowhere."""
    from xrf_napari.cube import cube_from_array
    from xrf_napari.detector import calibration_anode, named_anode
    from xrf_napari.io import auto_calibrated, read_cube

    path = tmp_path / "cu.npy"  # a Cu-tube scan naming no tube, with no calibration
    np.save(path, np.asarray(read_cube(cu_tube_scan(tmp_path / "cu.h5", h=8, w=4)).data))
    late = auto_calibrated(read_cube(path, anode="Rh", calibrate_later=0), anode="copper")
    assert late.calibration.source == "auto"
    assert calibration_anode(late.metadata) == named_anode(late.metadata) == "Cu"
    kept = auto_calibrated(read_cube(path, anode="Cu", calibrate_later=0))  # none given later
    assert calibration_anode(kept.metadata) == named_anode(kept.metadata) == "Cu"
    flat = cube_from_array(np.ones((4, 4, 512), np.uint16), name="flat")
    failed = auto_calibrated(flat, anode="Cu")
    assert failed.calibration.source == "none" and named_anode(failed.metadata) == "Cu"


def test_a_calibration_the_docks_call_given_names_the_scans_tube():
    """Fails on the parent: an automatic calibration recorded for a Mo given before the word
    "given" was recorded (a scan saved earlier today) was "given with --anode" to the Spectrum
    dock's tip (calibration_anode_origin), yet given_anode read the word alone: the suggestion
    took the tube for unknown and quicklook said "tube unknown"."""
    from xrf_napari.cli.quicklook_cmd import instrument_said
    from xrf_napari.cube import cube_from_array
    from xrf_napari.detector import calibration_anode_origin, given_anode, named_anode

    counts = np.ones((2, 2, 512), np.uint16)
    old = cube_from_array(counts, CANONICAL_CAL, auto_calibration={"anode": "Mo"})
    assert calibration_anode_origin(old.metadata).startswith("given")
    assert given_anode(old.metadata) == named_anode(old.metadata) == "Mo"
    assert instrument_said(old).startswith("Mo tube (given)")
    for auto in ({"anode": "Rh"}, {"anode": "Mo", "anode_from": "scatter lines"}):  # no naming
        cube = cube_from_array(counts, CANONICAL_CAL, auto_calibration=auto)
        assert named_anode(cube.metadata) is None
        assert not calibration_anode_origin(cube.metadata).startswith("given")


def test_a_tube_given_and_saved_with_the_scan_is_the_calibrations_when_opened_again(tmp_path):
    """Fails on the parent: a scan read with anode="Cu" and saved uncalibrated (the napari
    writer's metadata) opened again as "tube: given (Cu)" to the docks (named_anode) and was
    calibrated for "Rh by default"; a recorded tube naming no element is the file's error."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.detector import calibration_anode, calibration_anode_origin, named_anode
    from xrf_napari.errors import CubeReadError
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube_streamed

    path = tmp_path / "cu.npy"  # a Cu-tube scan naming no tube, with no calibration
    np.save(path, np.asarray(read_cube(cu_tube_scan(tmp_path / "cu.h5", h=8, w=4)).data))
    cube = read_cube(path, anode="Cu", auto_calibrate=False)
    saved = write_cube_streamed(tmp_path / "saved.h5", cube, metadata=_file_metadata(cube))
    again = read_cube(saved)
    assert again.calibration.source == "auto"
    assert calibration_anode(again.metadata) == named_anode(again.metadata) == "Cu"
    assert calibration_anode_origin(again.metadata).startswith("given")
    bad = write_cube_streamed(
        tmp_path / "bad.h5", cube, metadata={**_file_metadata(cube), "anode_given": "Xx"}
    )
    with pytest.raises(CubeReadError, match=r"bad\.h5.*'Xx' as given \(anode_given\)"):
        read_cube(bad)
    assert named_anode(read_cube(bad, anode="Cu").metadata) == "Cu"  # one given now replaces it


@pytest.mark.parametrize("delete", [True, False])
def test_find_regions_does_not_send_the_user_to_a_deleted_photograph(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, delete
):
    """Fails on the parent: the photograph deleted while Find regions ran, its line still said
    "check them against the maps and the photograph"."""
    import xrf_napari.widgets.pigments as pigments_mod

    gate = threading.Event()
    found = SimpleNamespace(labels=bands(2), k=2, silhouette=None)
    monkeypatch.setattr(pigments_mod, "_regions_job", held_job(gate, found))
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = pigments_dock_with_photo(viewer)
    assert dock.find_regions() is not None
    if delete:  # mid-job: the worker holds its pixels
        viewer.layers.remove(viewer.layers["photo"])
    gate.set()
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    said = dock.job.status.text()
    assert said.startswith("2 regions: check them against the maps"), said
    assert ("and the photograph" in said) is not delete, said
    assert ("was deleted" in said) is delete, said
