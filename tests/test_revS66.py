"""Review of saved66 (session 66): one rule for a script's save of an image (Embed & cluster's
save(path) as Recolour's), and a name typed with a space at its end in the docks' save dialogs."""

from __future__ import annotations

import numpy as np
import pytest

IMAGES = "PNG (*.png);;TIFF (*.tif *.tiff)"


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize("name", ["x.jpg", "regions 2024.03.12", "regions", "z.png."])
def test_a_scripts_save_of_regions_refuses_a_name_write_image_refuses(tmp_path, name):
    """Embed & cluster's save(path) from a script saved "x.jpg" as x.png and "regions
    2024.03.12" as "regions 2024.03.png" (its ".12" taken for a suffix and replaced), where
    Recolour's save() and write_image refuse those names. Now refused in the same words as
    write_image's, before anything is computed or written."""
    from xrf_napari.analysis.export import write_image
    from xrf_napari.widgets.embed import save_paths

    path = tmp_path / name
    with pytest.raises(ValueError) as by_embed:
        save_paths(path)
    with pytest.raises(ValueError) as by_writer:
        write_image(path, np.zeros((2, 3), np.uint8), "a label map")
    assert str(by_embed.value) == str(by_writer.value), by_embed.value
    assert str(by_embed.value).endswith("a label map is saved as .png, .tif or .tiff")
    assert not list(tmp_path.iterdir())


def test_a_scripts_save_of_regions_keeps_a_picture_name_as_given(tmp_path):
    """A guard: names write_image writes keep their own suffix, case and dots."""
    from xrf_napari.widgets.embed import save_paths

    for name, csv in (("A.B.TIF", "A.B_spectra.csv"), ("my scan.png", "my scan_spectra.csv")):
        assert save_paths(tmp_path / name) == (tmp_path / name, tmp_path / csv)


def test_the_embed_docks_save_from_a_script_refuses_what_recolours_refuses(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Through real napari: the Embed & cluster dock's save("x.jpg") wrote x.png and
    x_spectra.csv; now refused, nothing written, and a .png name saves as before."""
    from _napari_helpers import stand_in_embed_dock, wait_idle

    embed = stand_in_embed_dock(make_napari_viewer(), tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    with pytest.raises(ValueError, match=r"cannot write .*x\.jpg: a label map is saved as \.png"):
        embed.save(tmp_path / "x.jpg")
    assert not list(tmp_path.glob("x*"))
    assert [p.name for p in embed.save(tmp_path / "x.png")] == ["x.png", "x_spectra.csv"]


@pytest.mark.parametrize(
    ("typed", "filters", "chosen", "saved"),
    [
        ("z.png ", IMAGES, "PNG (*.png)", "z.png"),
        ("z.tif .", IMAGES, "PNG (*.png)", "z.tif"),
        ("regions  ", IMAGES, "TIFF (*.tif *.tiff)", "regions.tif"),
        ("spectra.csv ", "CSV (*.csv)", "CSV (*.csv)", "spectra.csv"),
    ],
)
def test_a_name_ending_in_a_space_is_saved_under_the_name_before_it(
    qtbot, tmp_path, monkeypatch, typed, filters, chosen, saved
):
    """A name typed with a space at its end ("z.png ", as pasted) was saved as "z.png .png"
    (Embed & cluster's CSV beside it "z.png _spectra.csv"), "spectra.csv " as "spectra.csv
    .csv": the trailing dot was dropped, not the space, which Windows drops alike."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), chosen))
    assert ask_save_path(None, "Save", filters) == str(tmp_path / saved)
