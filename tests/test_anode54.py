"""A tube given to read_cube (anode=, the commands' --anode) for a file naming none is the scan's
tube everywhere a file's is (session 54, anode54): it reached the automatic calibration and
stopped there, so the Spectrum and Elemental maps docks suggested the tube's own element, the
pigment fit assumed Rh, and the Instrument row said "tube: file's (none)"."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import add_cube, cu_tube_scan
from test_tube48 import _native


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture(scope="module")
def cu_file(tmp_path_factory):
    """A Cu-tube scan whose file keeps its own calibration and names no tube."""
    return cu_tube_scan(tmp_path_factory.mktemp("anode54") / "cu.h5", anode=None, h=8, w=4)


@pytest.fixture(scope="module")
def mo_npy(tmp_path_factory):
    """A Mo-tube scan in a plain array (no calibration, no tube: the automatic calibration's)."""
    path = tmp_path_factory.mktemp("anode54") / "mo.npy"
    np.save(path, _native("Mo", 35.0))
    return path


def test_a_tube_given_for_a_file_that_keeps_its_calibration_is_the_scans(cu_file):
    """Fails on the parent: the file's calibration kept, the Cu given was recorded nowhere; the
    suggestion listed Cu (the tube's own scatter), the fit assumed Rh, quicklook said "tube
    unknown"."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.analysis.pigment_fit import instrument_for
    from xrf_napari.cli.quicklook_cmd import instrument_said
    from xrf_napari.io import read_cube

    cube = read_cube(cu_file, anode="copper")
    assert cube.calibration.source == "file"
    suggested = suggest_for_cube(cube)
    assert "Cu" not in suggested and "Pb" in suggested, list(suggested)
    profile, notes = instrument_for(cube)
    assert profile.anode == "Cu" and not [n for n in notes if "anode" in n], notes
    assert instrument_said(cube).startswith("Cu tube (given)")
    unnamed = read_cube(cu_file)  # none given: unknown, as before
    assert "Cu" in suggest_for_cube(unnamed) and instrument_for(unnamed)[0].anode == "Rh"
    from xrf_napari.detector import given_anode, named_anode

    assert named_anode(cube.metadata) == given_anode(cube.metadata) == "Cu"
    assert named_anode(unnamed.metadata) is None


def test_a_files_own_tube_wins_over_the_one_given(tmp_path):
    from xrf_napari.detector import given_anode, named_anode
    from xrf_napari.io import read_cube

    cube = read_cube(cu_tube_scan(tmp_path / "named.h5", anode="Cu", h=4, w=4), anode="Mo")
    assert named_anode(cube.metadata) == "Cu" and given_anode(cube.metadata) is None


def test_a_tube_given_to_a_pending_calibration_is_the_scans(mo_npy):
    """The napari reader's path: read_cube leaves the calibration pending; the Mo given to
    auto_calibrated (or to read_cube) is the scan's tube, not only the calibration's."""
    from xrf_napari.analysis.peaks import suggestion_instrument
    from xrf_napari.detector import named_anode
    from xrf_napari.io import auto_calibrated, read_cube

    late = auto_calibrated(read_cube(mo_npy, calibrate_later=0), anode="Mo")
    assert late.calibration.source == "auto" and named_anode(late.metadata) == "Mo"
    early = read_cube(mo_npy, anode="Mo", calibrate_later=0)
    assert early.calibration.source == "none" and named_anode(early.metadata) == "Mo"
    assert suggestion_instrument(auto_calibrated(early))["anode"] == "Mo"


def test_the_docks_suggest_and_show_a_given_tube(make_napari_viewer, qtbot, cu_file):
    """Fails on the parent: with Cu given, Spectrum and Elemental maps suggested Cu (the tube's
    own lines), and their Instrument rows said "tube: file's (none)"; scan_tube (Recolour, Embed
    & cluster's notes) was None."""
    from xrf_napari.io import read_cube
    from xrf_napari.widgets._common import SURVEYS, scan_tube
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    for dock in (spectrum, maps):
        viewer.window.add_dock_widget(dock)
    add_cube(viewer, read_cube(cu_file, anode="Cu"))
    for dock in (spectrum, maps):
        dock.cube_combo.set_layer(viewer.layers[0])
    cube = spectrum.current_cube()
    qtbot.waitUntil(lambda: SURVEYS.get(cube) is not None, timeout=30000)
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=10000)
    rows = {d.instrument_row.anode_combo.itemText(0) for d in (spectrum, maps)}
    assert rows == {"tube: given (Cu)"} and scan_tube(cube) == "Cu"
    for dock in (spectrum, maps):  # "Suggested: Pb, Fe, Hg, Ca", no tube note under it
        line = dock.suggested_label.text()
        assert "Pb" in line and "Cu" not in line.split(": ", 1)[1], line
    spectrum.instrument_row.show_file(read_cube(cu_file).metadata)  # nothing given: as before
    assert spectrum.instrument_row.anode_combo.itemText(0) == "tube: file's (none)"
