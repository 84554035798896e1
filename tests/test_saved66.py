"""Session 66, saved outputs: the docks' save names (a trailing dot, a picture type the save does
not write) and `xrf-napari info` on the plugin's own region and element-map TIFFs."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import open_cube, write_painted_cube

IMAGES = "PNG (*.png);;TIFF (*.tif *.tiff)"


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize(
    ("typed", "filters", "chosen", "saved"),
    [
        ("z.png.", IMAGES, "PNG (*.png)", "z.png"),
        ("z.tif..", IMAGES, "PNG (*.png)", "z.tif"),
        ("s.csv.", "CSV (*.csv)", "CSV (*.csv)", "s.csv"),
        ("2024.03.", "CSV (*.csv)", "CSV (*.csv)", "2024.03.csv"),
    ],
)
def test_a_name_ending_in_a_dot_is_saved_under_the_name_before_the_dot(
    qtbot, tmp_path, monkeypatch, typed, filters, chosen, saved
):
    """A name typed as "z.png." was saved as "z.png.png" (the dot taken as a suffix the dialog
    does not offer, then dropped and the type's added); the system drops a trailing dot too.
    Now "z.png" ("2024.03." guards that a date still gets the type's suffix)."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), chosen))
    assert ask_save_path(None, "Save", filters) == str(tmp_path / saved)


@pytest.mark.parametrize(
    ("typed", "filters", "chosen", "advice"),
    [
        ("x.jpg", IMAGES, "PNG (*.png)", "PNG or TIFF (.png, .tif, .tiff): name it x.png"),
        ("x.JPEG", IMAGES, "TIFF (*.tif *.tiff)", "PNG or TIFF (.png, .tif, .tiff): name it x.tif"),
        ("x.png", "CSV (*.csv)", "CSV (*.csv)", "CSV (.csv): name it x.csv"),
    ],
)
def test_a_picture_type_the_save_does_not_write_is_refused_naming_those_it_writes(
    qtbot, tmp_path, monkeypatch, typed, filters, chosen, advice
):
    """A name typed as "x.jpg" in Save image… was saved as "x.jpg.png" (a PNG named like a
    JPEG), "x.png" in Export CSV as "x.png.csv". Now refused, saying what the save writes."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), chosen))
    with pytest.raises(ValueError) as caught:
        ask_save_path(None, "Save", filters)
    said = str(caught.value)
    assert said.startswith(f"cannot save {typed}: this save does not write "), said
    assert advice in said, said


def test_the_docks_save_buttons_treat_dots_and_picture_types_alike(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save image…, Save labels & spectra… and Export CSV… end to end: a picture type the save
    does not write is refused on each status line and nothing is written ("x.jpg" had written
    x.jpg.png, "spectra.png" spectra.png.csv); a trailing dot is dropped ("spectra.csv." had
    written spectra.csv.csv)."""
    from _napari_helpers import scripted_questions, wait_idle
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.No)  # none expected: no file is replaced
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    docks = [cls(viewer) for cls in (RecolourWidget, EmbedClusterWidget, SpectrumWidget)]
    for dock in docks:
        viewer.window.add_dock_widget(dock)
    spectrum = docks[2]
    wait_idle(qtbot, spectrum.job)
    clicks = (docks[0]._save_clicked, docks[1]._save_clicked, spectrum._export_clicked)
    for dock, click, typed in zip(docks, clicks, ("x.jpg", "x.bmp", "spectra.png")):
        path = str(tmp_path / typed)
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, p=path: (p, a[3].split(";;")[0])
        )
        click()
        said = dock.job.status.text()
        assert f"cannot save {typed}: this save does not write" in said, said
    path = str(tmp_path / "spectra.csv.")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (path, "CSV (*.csv)"))
    spectrum._export_clicked()
    wait_idle(qtbot, spectrum.job)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".h5") == ["spectra.csv"]
    assert not asked


def _map_tiff(folder):
    """One element map as Save maps… and `quicklook --tiff` write it (save_element_maps)."""
    from types import SimpleNamespace

    from xrf_napari.analysis.export import MAPS_BY_QUICKLOOK, save_element_maps

    line = SimpleNamespace(family="Ka", energy=6.4)
    plan = SimpleNamespace(
        symbol="Fe", line=line, peak=(6.3, 6.5), background=[], method="fit", note=""
    )
    maps = {"Fe": np.arange(12.0).reshape(3, 4)}
    save_element_maps(folder, "panel", [plan], maps, made_by=MAPS_BY_QUICKLOOK)
    return folder / "panel_Fe_Ka.tif"


def test_info_names_the_plugins_own_region_and_element_map_tiffs(tmp_path, capsys):
    """`xrf-napari info` on a region map (Save labels & spectra's TIFF) or an element map (Save
    maps…, quicklook --tiff) said only "the TIFF holds a 2-D image (40, 50) (axes YX), not a
    spectral stack". Now it says which of the plugin's outputs it is and how to open it; a TIFF
    another program wrote keeps the old words."""
    import tifffile

    from xrf_napari.analysis.export import save_label_image
    from xrf_napari.cli.main import main

    regions = tmp_path / "regions.tif"
    save_label_image(regions, np.arange(20).reshape(4, 5) % 3)
    other = tmp_path / "other.tif"
    tifffile.imwrite(other, np.zeros((4, 5), np.uint32))
    said = {}
    for path in (regions, _map_tiff(tmp_path), other):
        assert main(["info", str(path)]) != 0
        said[path.name] = capsys.readouterr().err
    assert (
        "regions.tif: a region map that xrf-napari wrote (4 x 5, region numbers"
        in said["regions.tif"]
    ), said
    assert "it opens as a Labels layer, the Pigments panel's Regions" in said["regions.tif"]
    fe = said["panel_Fe_Ka.tif"]
    assert "panel_Fe_Ka.tif: the Fe Ka map of panel that xrf-napari wrote (3 x 4, net line" in fe
    assert "open it in napari (as an image of its values) or in Fiji" in fe, fe
    assert "2-D image (4, 5) (axes YX), not a spectral stack" in said["other.tif"], said


def test_info_names_the_plugins_own_png_without_the_photograph_advice(tmp_path, capsys):
    """`xrf-napari info` on a PNG the plugin wrote (Save labels & spectra's region image, a
    quicklook map, the recoloured image) advised "give a photograph of a scan to `xrf-napari
    pigments --photo`", which refuses the plugin's own images. Now it says what the PNG is; a
    PNG another program wrote keeps that advice."""
    from PIL import Image

    from xrf_napari.analysis.export import save_label_image
    from xrf_napari.cli.main import main

    regions = tmp_path / "regions.png"
    save_label_image(regions, np.arange(20).reshape(4, 5) % 3)
    photo = tmp_path / "photo.png"
    Image.new("RGB", (5, 4)).save(photo)
    said = {}
    for path in (regions, photo):
        assert main(["info", str(path)]) != 0
        said[path.name] = capsys.readouterr().err
    assert (
        "regions.png: unsupported file type '.png': a region map that xrf-napari wrote (region"
        in said["regions.png"]
    )
    assert "a picture, not a spectral datacube; open it in napari" in said["regions.png"]
    assert "--photo" not in said["regions.png"], said
    assert "give a photograph of a scan to `xrf-napari pigments --photo`" in said["photo.png"]
