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
