"""Dock findings of session 47, as a conservator meets them: Recolour had no way to name a tube
the file does not name (a Cu tube's scattered lines named copper pigments); Make maps on a single
spectrum added 1 x 1 map layers where quicklook draws none; the docks' refusals to save before
there is a result were worded differently."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import cu_tube_scan, open_cube, tiny_recolour_dock, wait_idle, write_spot


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_recolour_reads_the_tube_named_in_its_tube_box(make_napari_viewer, qtbot, tmp_path):
    """A Cu-tube scan whose file names no anode got a note reading the tube's own Cu lines as
    the paint's ("Cu+Fe (25 %: Azurite, Malachite, Verdigris, Yellow ochre ..."), and Recolour
    had no box to say the tube (Spectrum, Elemental maps and Pigments have one, the scan's one
    Instrument choice). Its Tube box is now that choice's anode: set in Recolour it is the
    scan's (the other docks show it), and the notes read it: copper is not read, and the tube
    is no longer 'not named'."""
    from xrf_napari.widgets._common import SURVEYS

    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", h=24, w=20))
    dock = tiny_recolour_dock(viewer, tmp_path)
    combo = dock.instrument_row.anode_combo
    assert combo.itemText(0) == "tube: file's (none)"
    combo.setCurrentText("Cu")
    assert SURVEYS.instrument(dock.current_cube()) == {"anode": "Cu"}
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    assert dock.job.last_error is None, dock.job.last_error
    note = dock.ambiguity_label.text()
    assert "Cu is not read: the X-ray tube's anode is Cu" in note, note
    assert "Cu+" not in note, note  # no element set holds the tube's copper ("Cu+Fe")
    assert "does not name its tube anode" not in dock.ood_label.text()


def test_the_tube_set_in_another_dock_shows_in_recolour(make_napari_viewer, tmp_path):
    """One choice per scan: a tube set in the Spectrum panel's Instrument row shows in
    Recolour's Tube box (and is what its Run reads), as in the other docks."""
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", h=8, w=8))
    dock = tiny_recolour_dock(viewer, tmp_path)
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    spectrum.instrument_row.anode_combo.setCurrentText("Mo")
    assert dock.instrument_row.anode_combo.currentText() == "Mo"
    assert not dock.instrument_row.kv_spin.isVisibleTo(dock)  # only the tube bears on colours


def test_make_maps_on_a_single_spectrum_says_there_is_no_image(make_napari_viewer, qtbot, tmp_path):
    """Make maps on a 1 x 1 scan said "2 map(s) added (net line counts per pixel)" over two
    1 x 1 layers, where `xrf-napari quicklook` says a single spectrum gets no element maps and
    writes each line's net counts (--tiff). Now the line says there is no image to map and gives
    those counts, which Save maps writes."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0, "Fe": 2000.0}))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    dock.set_checked_elements(["Pb", "Fe"])
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    said = dock.job.status.text()
    assert said.startswith(
        "spot is a single spectrum (1 x 1 px): there is no image to map; each layer holds its "
        "line's net counts: "
    ), said
    layers = dock.live_maps()
    for plan in dock.map_plans:
        assert f"{plan.label} {float(np.ravel(layers[plan.symbol].data)[0]):.0f}" in said, said
    written = dock.save(tmp_path / "out")
    assert any(str(p).endswith("_maps.csv") for p in written)


@pytest.mark.parametrize(
    ("dock_name", "call", "said"),
    [
        ("maps", "save", "nothing to save yet: run Make maps first"),
        ("maps", "map_files", "nothing to save yet: run Make maps first"),
        ("recolour", "save", "nothing to save yet: run Recolour first"),
        ("embed", "save", "nothing to save yet: run Embed & cluster first"),
        ("pigments", "_check_export", "nothing to export yet: run Find pigments first"),
    ],
)
def test_saves_before_a_result_say_so_in_one_wording(
    make_napari_viewer, tmp_path, dock_name, call, said
):
    """'there are no maps to save: make them first' (Elemental maps) beside 'nothing to save
    yet: run Recolour first' (the others): one wording now, from one helper."""
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    docks = {
        "maps": ElementMapsWidget,
        "recolour": RecolourWidget,
        "embed": EmbedClusterWidget,
        "pigments": PigmentsWidget,
    }
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", h=8, w=8))
    dock = docks[dock_name](viewer)
    viewer.window.add_dock_widget(dock)
    with pytest.raises(ValueError, match=f"^{said}$"):
        getattr(dock, call)(tmp_path / "out.png")


def test_spectrum_export_before_a_plot_says_so_in_the_same_wording(make_napari_viewer):
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock._export_clicked()
    assert "nothing to export yet: plot a spectrum first" in dock.job.status.text()


def test_embeds_training_data_line_reads_the_tube_chosen_for_the_scan(
    make_napari_viewer, qtbot, tmp_path
):
    """Embed & cluster's line on the training data said "the file does not name its tube
    anode" after the tube was chosen for the scan (Recolour's Tube box, an Instrument row), and
    never warned of a Mo tube so chosen. It reads the scan's choice now, as Recolour's does."""
    from _napari_helpers import cluster_with_tiny_dve

    from xrf_napari.layerkinds import layer_cube
    from xrf_napari.widgets._common import SURVEYS

    viewer = make_napari_viewer()
    layers = open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", h=24, w=20))
    SURVEYS.set_instrument(next(filter(None, map(layer_cube, layers))), {"anode": "Mo"})
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    line = embed.ood_label.text()
    assert "tube anode Mo (trained on Rh, W, Cu)" in line, line
    assert "does not name its tube anode" not in line, line
