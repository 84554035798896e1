"""A conservator's session, session 51: a panel opened with a scan's stack selected shows that
scan; Make maps with nothing ticked asks for an element, not for the scan chosen."""

from __future__ import annotations

import numpy as np


def _open_scan(viewer, name: str):
    """A tiny scan's two layers as the reader adds them (its stack, then its sum); the stack."""
    from _spectra import CANONICAL_CAL

    from xrf_napari.cube import Cube
    from xrf_napari.layerkinds import CUBE_KEY

    cube = Cube(np.ones((4, 3, 8), np.uint16), CANONICAL_CAL)
    stack = viewer.add_image(np.ones((8, 4, 3)), name=name, metadata={CUBE_KEY: cube})
    viewer.add_image(np.ones((4, 3)), name=f"{name} sum", metadata={CUBE_KEY: cube})
    return stack


def test_dock_opened_with_a_stack_selected_shows_its_scan(qtbot):
    """Two scans open, the second's (channels, rows, columns) stack selected in the layer list,
    then a panel opened: it shows the second scan, as selecting the stack chooses it in a panel
    already open (it showed the first scan)."""
    from napari.components import ViewerModel

    from xrf_napari.widgets._layers import CubeLayerCombo, layer_cube

    viewer = ViewerModel()  # the layer list and its selection, without a window
    _open_scan(viewer, "painting")
    stack = _open_scan(viewer, "panel")
    viewer.layers.selection.active = stack
    combo = CubeLayerCombo(viewer)
    assert combo.current_cube() is layer_cube(stack), combo.currentText()


def test_make_maps_with_nothing_ticked_asks_for_an_element_only(qtbot, monkeypatch):
    """Make maps on a chosen scan with no element ticked (a scan of no suggested element) asks
    for an element, not for a datacube (it said "choose a datacube and tick at least one
    element" with the scan chosen above it)."""
    from napari.components import ViewerModel

    from xrf_napari.widgets.maps import ElementMapsWidget

    monkeypatch.setattr(ElementMapsWidget, "uses_survey", False)  # nothing ticks its elements
    viewer = ViewerModel()
    _open_scan(viewer, "painting")
    dock = ElementMapsWidget(viewer)
    qtbot.addWidget(dock)
    dock.set_checked_elements([])
    assert dock.run() is None
    status = dock.job.status.text()
    assert "tick at least one element" in status and "datacube" not in status, status


def test_pigments_line_above_the_table_starts_its_notes_as_a_sentence(qtbot):
    """The fit's notes follow the ground after a full stop, so they start with a capital: a spot
    spectrum of a file naming no instrument (a Bruker .spx) read "...; ground: gypsum or chalk
    ground. no instrument profile in the file: ..."."""
    from types import SimpleNamespace

    from napari.components import ViewerModel

    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.widgets.pigments import PigmentsWidget

    dock = PigmentsWidget(ViewerModel())
    qtbot.addWidget(dock)
    notes = ["no instrument profile in the file: collimator geometry 90/60 deg assumed, in air"]
    report = SimpleNamespace(profile=InstrumentProfile(), notes=notes, ground=["chalk ground"])
    fit = SimpleNamespace(
        report=report,
        cube_layer=None,
        detector=None,
        labels_layer=None,
        stale=False,
        colour_source="",
    )
    text = dock._info_text(fit)
    assert "ground: chalk ground. No instrument profile in the file: " in text, text


def test_a_scan_in_a_read_only_folder_opens_the_folder_dialogs_elsewhere(tmp_path, monkeypatch):
    """Save maps… and Export report… opened their folder dialogs in the scan's folder even where
    it may not be written (a read-only share), as the save dialogs no longer do: the save was
    refused after the dialog. They open in Qt's default folder there; a writable one keeps it."""
    import os
    from pathlib import Path

    from xrf_napari.widgets._dialogs import suggested_folder

    shared = tmp_path / "share"
    shared.mkdir()
    scan = shared / "NG6461.rpl"
    assert suggested_folder(scan) == str(shared)
    real = os.access
    monkeypatch.setattr(  # as root, a chmod would not make it read-only
        os, "access", lambda p, mode, **kw: False if Path(p) == shared else real(p, mode, **kw)
    )
    assert suggested_folder(scan) == ""
