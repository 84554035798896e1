"""Small follow-ups of session 47's reviews: the Spectrum dock's script export before a plot, the
Instrument row's tube-only form (Recolour's Tube box), and a '-'-word given to an option for an
output not yet made."""

from __future__ import annotations

import pytest


def test_spectrum_export_csv_before_a_plot_says_so_in_the_docks_wording(
    make_napari_viewer, tmp_path
):
    """The Export button said "nothing to export yet: plot a spectrum first" (bda9e2b) but the
    script method export_csv, called with nothing plotted, said the analysis module's "there is
    no spectrum to export"; both say the docks' one wording now."""
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    with pytest.raises(ValueError, match="^nothing to export yet: plot a spectrum first$"):
        dock.export_csv(tmp_path / "spectra.csv")
    assert not (tmp_path / "spectra.csv").exists()


def test_the_instrument_row_shows_the_tube_alone_when_asked(qtbot):
    """Recolour hid the row's optic, gas and kV boxes and set its tooltips by reaching into the
    row; the row does it (tube_only)."""
    from xrf_napari.widgets._instrument import InstrumentRow

    row = InstrumentRow()
    qtbot.addWidget(row)
    row.tube_only("the tube, for the notes")
    assert [w.isHidden() for w in (row.optic_combo, row.gas_combo, row.kv_spin)] == [True] * 3
    assert not row.anode_combo.isHidden()
    assert row.toolTip() == row.anode_combo.toolTip() == "the tube, for the notes"


def test_recolours_tube_box_is_the_rows_tube_alone(make_napari_viewer):
    """A guard: Recolour's Tube box still shows the anode alone, with its own tooltip."""
    from xrf_napari.widgets.recolour import TUBE_TIP, RecolourWidget

    viewer = make_napari_viewer()
    dock = RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    row = dock.instrument_row
    assert [w.isHidden() for w in (row.optic_combo, row.gas_combo, row.kv_spin)] == [True] * 3
    assert not row.anode_combo.isHidden()
    assert row.toolTip() == row.anode_combo.toolTip() == TUBE_TIP
