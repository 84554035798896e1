"""A conservator's session, session 56: the user guide followed step by step in napari."""

from __future__ import annotations

import pytest
from _napari_helpers import rerun_embed, stand_in_embed_dock, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_spectrum_line_no_longer_says_curves_were_taken_off_once_they_are_drawn_again(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A stroke on the clusters layer takes its regions' curves off the Spectrum plot and the
    Spectrum line says so; undone, the curves come back (user guide, section 4), and the line
    went on saying "The curves of clusters 1, 2 were taken off the plot ..." over the curves
    drawn again; so it did after Save labels & spectra, which the line asks for and which draws
    the painted regions' curves, and once the clusters layer was deleted (Save off then). It
    goes as the curves come back or the layer goes, and names the layer renamed."""
    from xrf_napari.widgets import embed as embed_mod
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)  # two bands, no model
    rerun_embed(embed, qtbot)
    assert embed.job.last_error is None, embed.job.last_error
    cube = embed.current_cube()
    clusters = embed._clusters_layer(cube, embed.result)
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    wait_idle(qtbot, spectrum.job)  # its reading of the scan (the model's run gave it time)
    embed._send_spectra(cube, embed.result[3], clusters, embed.result[4])  # the run's curves
    drawn = spectrum.curve_names(cube)
    assert "cluster 1" in drawn and "cluster 2" in drawn, drawn

    clusters.brush_size = 1
    clusters.paint((0, 0), 3, refresh=True)  # a new region, over one pixel
    said = spectrum.job.status.text()
    assert "taken off the plot" in said and spectrum.curve_names(cube) != drawn, said
    clusters.undo()
    assert spectrum.curve_names(cube) == drawn
    assert "taken off" not in spectrum.job.status.text(), spectrum.job.status.text()

    clusters.paint((0, 0), 3, refresh=True)
    assert "taken off the plot" in spectrum.job.status.text()
    monkeypatch.setattr(embed_mod, "ask_save_path", lambda *a, **k: str(tmp_path / "r.png"))
    embed._save_clicked()  # the painted regions averaged and drawn again
    wait_idle(qtbot, embed.job)
    assert "cluster 3" in spectrum.curve_names(cube), spectrum.curve_names(cube)
    assert "taken off" not in spectrum.job.status.text(), spectrum.job.status.text()

    clusters.paint((1, 1), 3, refresh=True)
    clusters.name = "my regions"
    assert "painted on \u201cmy regions\u201d" in spectrum.job.status.text()
    viewer.layers.remove(clusters)  # Save is off: nothing will draw them again
    assert "taken off" not in spectrum.job.status.text(), spectrum.job.status.text()
