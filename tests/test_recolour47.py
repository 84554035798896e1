"""Recolour's tube, session 47: the notes of a run stayed on screen after the Tube box changed
(stating copper unread under a tube no longer chosen); `xrf-napari recolour --anode` set only the
calibration's tube, so the command's notes read the file's anode where the dock's read the
user's; Pigments' SmallUViT colours recoloured a single spectrum, which Recolour refuses."""

from __future__ import annotations

import pytest
from _napari_helpers import cu_tube_scan, open_cube, tiny_recolour_dock, wait_idle, write_spot


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _run(dock, qtbot) -> None:
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    assert dock.job.last_error is None, dock.job.last_error


def test_recolour_notes_follow_the_tube_box_after_a_run(make_napari_viewer, qtbot, tmp_path):
    """Run under the file's (unnamed) tube, the note named copper pigments from the tube's own
    Cu lines ("Cu+Fe ..."); choosing Cu in the Tube box left that note (and "the file does not
    name its tube anode") on screen until Recolour ran again. The notes now give way to a line
    saying they were made for another tube, and the outline box (where the colour is a guess,
    which the tube decides) is off; Run brings the Cu tube's notes, and going back to the
    file's tube withholds those in turn."""
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5"))
    dock = tiny_recolour_dock(viewer, tmp_path)
    _run(dock, qtbot)
    assert "Cu+" in dock.ambiguity_label.text()  # the tube's lines read as the paint's
    assert dock.outline_box.isEnabled()
    dock.instrument_row.anode_combo.setCurrentText("Cu")
    said = dock.ood_label.text()
    assert said.startswith(
        "\u26a0 The notes on these colours were made for a tube neither the file nor the Tube "
        "box names; the scan's tube is now a Cu tube. Run Recolour again"
    ), said
    assert not dock.ambiguity_label.isVisibleTo(dock), dock.ambiguity_label.text()
    assert not dock.outline_box.isEnabled()
    _run(dock, qtbot)
    assert "Cu is not read: the X-ray tube's anode is Cu" in dock.ambiguity_label.text()
    assert "made for" not in dock.ood_label.text()
    assert dock.outline_box.isEnabled()
    dock.instrument_row.anode_combo.setCurrentIndex(0)  # the file's again
    assert dock.ood_label.text().startswith(
        "\u26a0 The notes on these colours were made for a Cu tube; the scan's tube is now a "
        "tube neither"
    ), dock.ood_label.text()
    assert not dock.ambiguity_label.isVisibleTo(dock)


def test_a_tube_box_naming_the_files_own_anode_keeps_the_notes(make_napari_viewer, qtbot, tmp_path):
    """A guard: choosing in the Tube box the anode the file names changes nothing the notes
    read, so they stay."""
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", anode="Cu"))
    dock = tiny_recolour_dock(viewer, tmp_path)
    _run(dock, qtbot)
    note = dock.ambiguity_label.text()
    dock.instrument_row.anode_combo.setCurrentText("Cu")
    assert dock.ambiguity_label.text() == note
    assert "made for" not in dock.ood_label.text()


def test_recolour_command_notes_read_the_anode_given(tmp_path, capsys):
    """`xrf-napari recolour --anode Cu` on a Cu-tube file naming no anode, or naming another
    (Rh), printed the notes for the file's tube: the tube's Cu lines named copper pigments
    ("Cu+Fe (...: Azurite, Malachite, ...") and the line said the file names no anode, where the
    Recolour panel's Tube box (and quicklook's and pigments' --anode) replaces the file's."""
    from _cli_models import save_tiny_models, weights_args

    from xrf_napari.cli.main import main

    save_tiny_models(tmp_path)
    for anode in (None, "Rh"):
        scan = cu_tube_scan(tmp_path / f"cu_{anode}.h5", anode=anode)
        png = tmp_path / f"cu_{anode}.png"
        assert (
            main(["recolour", str(scan), "-o", str(png), "--anode", "Cu"] + weights_args(tmp_path))
            == 0
        )
        err = capsys.readouterr().err
        assert "Cu is not read: the X-ray tube's anode is Cu" in err, (anode, err)
        assert "Cu+" not in err, (anode, err)
        assert "does not name its tube anode" not in err, (anode, err)


def test_recolour_help_says_anode_replaces_the_files_for_the_notes(capsys):
    import pytest

    from xrf_napari.cli.main import main

    with pytest.raises(SystemExit):
        main(["recolour", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(Rh, Mo, W, Cu, Ag or Cr), replacing the file's, for the notes on the colours" in text


def test_pigments_refuses_smalluvit_colours_of_a_single_spectrum(
    make_napari_viewer, qtbot, tmp_path
):
    """Pigments with SmallUViT region colours ticked recoloured a 1 x 1 scan without a word (its
    "colour" the model's guess at one padded pixel), where Recolour and `pigments
    --colour-prior` refuse a single spectrum: it is now refused before any work, naming the box;
    unticked, the spot is fitted (a guard: that part worked)."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0}))
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.device.setCurrentText("cpu")
    dock.use_uvit.setChecked(True)
    assert dock.run() is None
    said = dock.job.status.text()
    assert "spot is a single spectrum (1 x 1 px): there is no image to recolour" in said, said
    assert "untick SmallUViT region colours to fit the spot" in said, said
    assert not [layer for layer in viewer.layers if layer.name.startswith("whole scan")]
    dock.use_uvit.setChecked(False)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    assert dock.job.last_error is None, dock.job.last_error
