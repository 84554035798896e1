"""The thin docks, session 49: their notes in a conservator's words, and their state after the
user switches scans, deletes result layers or cancels jobs."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_maps_stale_note_says_an_unknown_kv_as_the_command_line_does():
    """A kV neither the file nor the Instrument row names read "no kV named" in Elemental maps'
    stale line, where quicklook says "kV unknown" and the row "kV: file's (unknown)"."""
    from xrf_napari.widgets.maps import _instrument_words

    words = _instrument_words({"kv": None, "optic_cutoff_kev": None, "atmosphere": "air"}, ["kv"])
    assert words == ["an unknown kV"]


def test_maps_stale_note_says_what_a_lens_changes():
    """A lens chosen after Make maps read only "now says a polycapillary lens": nothing said
    which elements that bears on (the suggestion judges Cd, Sn, Sb by their L lines under it)."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    made = {"anode": "Rh", "kv": 50.0, "optic_cutoff_kev": None, "atmosphere": "air"}
    now = dict(made, optic_cutoff_kev=14.0)
    line = ElementMapsWidget.stale_words(None, made, now)
    assert "now says a polycapillary lens. A polycapillary lens passes half" in line
    assert "at 14 keV" in line and "cadmium, tin and antimony" in line
    assert "L lines" not in ElementMapsWidget.stale_words(None, made, dict(made, kv=30.0))


def test_add_composite_is_off_without_maps(make_napari_viewer, qtbot, tmp_path):
    """Add composite stayed on before Make maps and once every map was deleted (its colour boxes
    empty, a click only refusing "make the maps first"), while Save maps beside it was off."""
    from _napari_helpers import open_cube, wait_idle, write_painted_cube

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    assert not dock.rgb_button.isEnabled() and not dock.save_button.isEnabled()
    dock.set_checked_elements(["Pb", "Fe", "Hg"])
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.rgb_button.isEnabled() and dock.save_button.isEnabled()
    for layer in list(dock.live_maps().values()):
        viewer.layers.remove(layer)
    assert not dock.rgb_button.isEnabled() and not dock.save_button.isEnabled()


def test_embed_save_and_spectrum_curves_follow_the_chosen_scan_not_the_last_run(
    make_napari_viewer, qtbot, tmp_path
):
    """A guard (session 49 asked whether they act on the wrong layer): Embed & cluster's
    latent_layer / labels_layer name the LAST run's layers, but Save reads the chosen scan's own
    clusters layer. Scan a clustered, then scan b; b's clusters deleted while a is chosen: a's
    Save stays on and writes a's regions. Spectrum's remove_curves leaves the removed curves'
    layers in its record of sources; deleting that layer later neither errs nor brings them back."""
    from _napari_helpers import cluster_with_tiny_dve, open_cube, rerun_embed, write_painted_cube

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    (a, a_sum) = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2, layer=a_sum)
    (b, b_sum) = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    embed.cube_combo.set_layer(b_sum)
    rerun_embed(embed, qtbot)
    last = embed.labels_layer
    assert "[b]" in last.name
    for dock in (embed, spectrum):
        dock.cube_combo.set_layer(a_sum)
    assert embed.save_button.isEnabled()
    viewer.layers.remove(last)
    assert embed.save_button.isEnabled()
    png, csv = embed.save(tmp_path / "a_regions.png")
    assert "of a," in csv.read_text(encoding="utf-8").splitlines()[0]

    assert [n for n in spectrum.curves if n.startswith("cluster ")] == ["cluster 1", "cluster 2"]
    spectrum.remove_curves("cluster ")
    viewer.layers.remove(embed._clusters_layer(embed.current_cube(), embed.result))
    spectrum.cube_combo.set_layer(b_sum)
    spectrum.cube_combo.set_layer(a_sum)
    assert list(spectrum.curves) == ["mean"]
