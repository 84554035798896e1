"""Results that read the scan's tube, session 47: Embed & cluster's training-data line stayed as
made for the tube before a change of the Instrument choice, Recolour's outline of where the
colour is a guess (which the tube decides) stayed after one, its box ticked and off, and
`xrf-napari embed --anode` gave the line the file's tube where the dock reads the user's."""

from __future__ import annotations

import pytest
from _napari_helpers import (
    cu_tube_scan,
    open_cube,
    recoloured_cu_scan,
    tiny_recolour_dock,
    wait_idle,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_embeds_training_data_line_follows_a_tube_chosen_after_the_run(
    make_napari_viewer, qtbot, tmp_path
):
    """Run on a scan whose file names no tube, Mo then chosen in an Instrument row left the
    line unchanged, as if it held for a Mo tube (a run warns of one). It gives
    way to a line saying it was made for another tube, as Recolour's notes do; going back to
    the file's tube brings it back, and a Run gives the Mo tube's."""
    from _napari_helpers import cluster_with_tiny_dve

    from xrf_napari.layerkinds import layer_cube
    from xrf_napari.widgets._common import SURVEYS

    viewer = make_napari_viewer()
    layers = open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", h=24, w=20))
    cube = next(filter(None, map(layer_cube, layers)))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    line = embed.ood_label.text()
    assert line and "Mo" not in line, line
    SURVEYS.set_instrument(cube, {"anode": "Mo"})
    said = embed.ood_label.text()
    assert said == (
        "\u26a0 The training-data line of these regions was made for a tube neither the file "
        "nor an Instrument row or Recolour's Tube box names; the scan's tube is now a Mo tube. "
        "Run Embed & cluster again for a line on this tube (the regions themselves do not "
        "depend on the tube)."
    ), said
    assert embed.summary.text()  # the regions stay
    SURVEYS.set_instrument(cube, {})
    assert embed.ood_label.text() == line
    SURVEYS.set_instrument(cube, {"anode": "Mo"})
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert "tube anode Mo (trained on Rh, W, Cu)" in embed.ood_label.text()
    assert "made for" not in embed.ood_label.text()


def test_recolours_outline_goes_when_the_tube_changes(make_napari_viewer, qtbot, tmp_path):
    """The outline marks where the colour is a guess, which the tube decides (a Cu tube's
    copper is not read): after Cu was chosen, the outline made for the file's unnamed tube
    stayed over the colours, its box ticked and off, so nothing in the dock removed it. It is
    removed with the notes; going back to the file's tube offers the box again, unticked."""
    viewer = make_napari_viewer()
    dock = recoloured_cu_scan(viewer, qtbot, tmp_path)
    dock.outline_box.setChecked(True)
    assert any(ly.name.startswith("ambiguous colour") for ly in viewer.layers)
    dock.instrument_row.anode_combo.setCurrentText("Cu")
    names = [ly.name for ly in viewer.layers]
    assert not any(name.startswith("ambiguous colour") for name in names), names
    assert not dock.outline_box.isChecked()
    assert not dock.outline_box.isEnabled()
    dock.instrument_row.anode_combo.setCurrentIndex(0)  # the file's again: the notes hold
    assert dock.outline_box.isEnabled() and not dock.outline_box.isChecked()


def test_recolours_outline_goes_when_another_dock_changes_the_tube(
    make_napari_viewer, qtbot, tmp_path
):
    """The same with the tube set for the scan while Recolour shows another scan (an Instrument
    row of another dock): the scan's outline, in the viewer, is removed too."""
    from xrf_napari.layerkinds import layer_cube
    from xrf_napari.widgets._common import SURVEYS

    viewer = make_napari_viewer()
    layers = open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5"))
    cube = next(filter(None, map(layer_cube, layers)))
    dock = tiny_recolour_dock(viewer, tmp_path)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    dock.outline_box.setChecked(True)
    other = open_cube(viewer, cu_tube_scan(tmp_path / "other.h5"))
    dock.cube_combo.set_layer(next(ly for ly in other if layer_cube(ly) is not None))
    assert dock.current_cube() is not cube
    SURVEYS.set_instrument(cube, {"anode": "Cu"})
    names = [ly.name for ly in viewer.layers]
    assert not any(name.startswith("ambiguous colour") for name in names), names


def test_no_outline_comes_from_a_run_whose_tube_changed_before_it_ended(
    make_napari_viewer, qtbot, tmp_path
):
    """Run again with the outline ticked, Cu chosen before its colours came: the run's outline
    (made for the file's unnamed tube) was added over the colours, its box ticked and off."""
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5"))
    dock = tiny_recolour_dock(viewer, tmp_path)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    dock.outline_box.setChecked(True)
    assert dock.run() is not None
    dock.instrument_row.anode_combo.setCurrentText("Cu")  # before the result is delivered
    wait_idle(qtbot, dock.job, timeout=120000)
    assert dock.job.last_error is None, dock.job.last_error
    names = [ly.name for ly in viewer.layers]
    assert not any(name.startswith("ambiguous colour") for name in names), names
    assert dock.ood_label.text().startswith("\u26a0 The notes on these colours were made for")
    assert not dock.outline_box.isChecked()


def test_embed_commands_line_reads_the_anode_given(tmp_path, capsys):
    """`xrf-napari embed --anode Mo` on a file naming no tube printed "the file does not name
    its tube anode" and no word of a Mo tube: --anode set only the calibration's tube, while the
    Embed panel (and `recolour --anode`) reads the tube given over the file's. The help says so."""
    from _cli_models import save_tiny_models

    from xrf_napari.cli.main import main

    save_tiny_models(tmp_path)
    scan = cu_tube_scan(tmp_path / "cu.h5", h=24, w=20)
    args = ["embed", str(scan), "-o", str(tmp_path / "out"), "-k", "2", "--anode", "Mo"]
    args += ["--weights", str(tmp_path / "dve.safetensors"), "--device", "cpu", "--no-progress"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "tube anode Mo (trained on Rh, W, Cu)" in err, err
    assert "does not name its tube anode" not in err, err
    try:
        main(["embed", "--help"])
    except SystemExit:
        pass
    assert "replacing the file's, for the line on whether" in " ".join(
        capsys.readouterr().out.split()
    )
