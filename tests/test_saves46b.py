"""The docks' saves and the user's input files (session 46): Save maps refused an input in its way
only after asking "Replace?"; Recolour's and Embed & cluster's saves replaced an open
photograph's file once "Replace?" was answered; Save maps into a `.zarr` scan said the scan
folder might have been "meant to be a file"; an edited-regions save stopped by closing its scan
said "its result was dropped"."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import (
    open_cube,
    scripted_questions,
    stand_in_embed_dock,
    stand_in_maps_dock,
    wait_idle,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _yes(monkeypatch) -> list:
    """Every "Replace?" answered Yes; returns the list of the questions asked."""
    from qtpy.QtWidgets import QMessageBox

    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.StandardButton.Yes)
    return asked


def _photograph(viewer, path):
    """A 48 x 40 two-colour photograph written at `path` and opened with napari's own reader (as
    a PNG or JPG is dragged in: an RGB Image layer, the Pigments dock's Photograph)."""
    import imageio.v3 as iio

    photo = np.zeros((48, 40, 3), np.uint8)  # napari reads a side under 30 px as no RGB
    photo[:24], photo[24:] = (230, 230, 215), (180, 30, 30)
    iio.imwrite(path, photo)
    (layer,) = viewer.open(str(path), plugin="napari")
    assert layer.rgb, layer
    return layer


def _spectrum_csv(path):
    """A single spectrum as a two-column CSV (energy in keV, counts): a scan the reader opens."""
    energy = np.arange(512) * 0.04
    counts = np.random.default_rng(0).poisson(50, 512)
    rows = "\n".join(f"{e:.3f},{c}" for e, c in zip(energy, counts, strict=True))
    path.write_text(f"energy_keV,counts\n{rows}\n", encoding="utf-8")
    return path


def _dialog_returns(monkeypatch, path) -> None:
    from qtpy.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(path), a[3].split(";;")[0]))


def _maps_dock(viewer, qtbot, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    return stand_in_maps_dock(
        viewer,
        qtbot,
        tmp_path,
        monkeypatch,
        lambda h, w, symbols: {s: rng.random((h, w)).astype(np.float32) for s in symbols},
        ["Fe"],
    )


# -- 1. Save maps: an input in the way is refused before "Replace?" ------------------------------
def test_save_maps_refuses_an_open_scans_file_before_asking_to_replace_it(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save maps into a folder where a map's name is an open scan's file (a spectrum a_maps.csv
    beside a.h5) asked "a_maps.csv already exists. Replace?" and only after Yes refused it. Now
    the refusal comes first and nothing is asked (as Pigments > Export report)."""
    import xrf_napari.widgets.maps as maps_mod

    viewer = make_napari_viewer()
    maps = _maps_dock(viewer, qtbot, tmp_path, monkeypatch)
    scan = maps.current_layer()
    spectrum = _spectrum_csv(tmp_path / "a_maps.csv")
    before = spectrum.read_bytes()
    open_cube(viewer, spectrum)
    maps.cube_combo.set_layer(scan)
    assert maps.live_maps() and maps.map_files(tmp_path)[-1] == spectrum
    asked = _yes(monkeypatch)
    monkeypatch.setattr(maps_mod, "ask_folder", lambda *a: str(tmp_path))
    maps._save_clicked()
    said = maps.job.status.text()
    assert said.startswith("Save maps: output ") and "would be overwritten" in said, said
    assert str(spectrum) in said and asked == []
    assert spectrum.read_bytes() == before and not (tmp_path / "a_Fe_K.tif").exists()


# -- 2. Recolour and Embed & cluster: an open photograph's file is refused ------------------------
def test_embeds_save_refuses_to_overwrite_an_open_photograph(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save labels & spectra under the name of the photograph open in napari (the one the
    Pigments dock uses) asked only "Replace?", and Yes replaced the photograph with the regions'
    colours. Now it is refused as the scan's file is, before any question."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    photo = tmp_path / "photo.png"
    _photograph(viewer, photo)
    before = photo.read_bytes()
    asked = _yes(monkeypatch)
    _dialog_returns(monkeypatch, photo)
    embed._save_clicked()
    said = embed.job.status.text()
    assert said.startswith("Save: output ") and "would be overwritten" in said, said
    assert str(photo) in said and asked == []
    assert photo.read_bytes() == before and not (tmp_path / "photo_spectra.csv").exists()


def test_recolours_save_refuses_to_overwrite_an_open_photograph(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Recolour > Save under the photograph's file name replaced the photograph once "Replace?"
    was answered. Now refused, before any question."""
    from _napari_helpers import tiny_recolour_dock, write_painted_cube

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = tiny_recolour_dock(viewer, tmp_path)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None and dock.result is not None, dock.job.status.text()
    photo = tmp_path / "photo.png"
    _photograph(viewer, photo)
    before = photo.read_bytes()
    asked = _yes(monkeypatch)
    _dialog_returns(monkeypatch, photo)
    dock._save_clicked()
    said = dock.job.status.text()
    assert said.startswith("Save: output ") and "would be overwritten" in said, said
    assert str(photo) in said and asked == []
    assert photo.read_bytes() == before


# -- 3. Save maps into a .zarr scan: only what applies --------------------------------------------
def test_save_maps_into_a_zarr_scan_says_only_what_applies(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save maps into the folder of the open scan scan.zarr was refused with "...; or, if
    scan.zarr was meant to be a file (weights, labels, a photo), it is a folder: give the file",
    advice for a command's --weights or --photo given a folder, meaningless in a dock. Now it
    says the folder is the scan's, to choose another output outside it."""
    import zarr
    from _napari_helpers import painted_counts, stand_in_maps_job

    import xrf_napari.widgets.maps as maps_mod

    rng = np.random.default_rng(0)
    monkeypatch.setattr(
        maps_mod,
        "_maps_job",
        stand_in_maps_job(lambda h, w, s: {x: rng.random((h, w)).astype(np.float32) for x in s}),
    )
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    store = tmp_path / "scan.zarr"
    zarr.save(str(store), painted_counts()[0])
    open_cube(viewer := make_napari_viewer(), store)
    maps = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(maps)
    wait_idle(qtbot, maps.job, 30000)
    maps.set_checked_elements(["Fe"])
    assert maps.run() is not None
    wait_idle(qtbot, maps.job, 10000)
    assert maps.job.last_error is None and maps.live_maps(), maps.job.status.text()
    asked = _yes(monkeypatch)
    for folder in (store, store / "maps"):
        monkeypatch.setattr(maps_mod, "ask_folder", lambda *a, f=folder: str(f))
        maps._save_clicked()
        said = maps.job.status.text()
        assert said == (
            f"Save maps: output folder {folder} is, or lies inside, the input folder {store}: "
            "choose another output, outside it"
        ), said
    assert asked == [] and not (store / "maps").exists()


# -- 4. an edited-regions save stopped by closing its scan ----------------------------------------
def test_an_edited_regions_save_stopped_by_closing_the_scan_says_what_happened(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save labels & spectra of painted regions computes their spectra in a job; the scan closed
    meanwhile, the line read "The datacube was closed; its result was dropped.", as if the
    Embed & cluster result were lost. Now it says the save was stopped, nothing was written and
    the regions layer is still there."""
    import threading

    import xrf_napari.analysis.embed as analysis_embed
    from xrf_napari.widgets._layers import layer_cube

    averaged, real = threading.Event(), analysis_embed.iter_cluster_spectra

    def averaging(*args):
        value = yield from real(*args)
        averaged.set()
        return value

    monkeypatch.setattr(analysis_embed, "iter_cluster_spectra", averaging)
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    cube = embed.current_cube()
    clusters = embed._clusters_layer(cube, embed.result)
    edited = np.asarray(clusters.data).copy()
    edited[0, :4] = 2
    clusters.data = edited
    out = tmp_path / "out" / "regions.png"
    out.parent.mkdir()
    _dialog_returns(monkeypatch, out)
    embed._save_clicked()
    assert embed.job.is_running
    assert averaged.wait(10)  # without processing events: the spectra are in, not yet delivered
    for ly in [ly for ly in viewer.layers if layer_cube(ly) is cube]:
        viewer.layers.remove(ly)
    wait_idle(qtbot, embed.job, 10000)
    assert list(out.parent.iterdir()) == []
    assert clusters in viewer.layers
    said = embed.job.status.text()
    assert said == (
        "The scan a.h5 was closed, so the save was stopped: nothing was written; the edited "
        f"regions are still in {clusters.name}."
    ), said


# -- 5. the command line: an output inside a .zarr scan ------------------------------------------
def test_a_command_writing_into_a_zarr_scan_says_only_what_applies(tmp_path, capsys):
    """`quicklook scan.zarr -o scan.zarr/ql` was refused with "...; or, if scan.zarr was meant
    to be a file (weights, labels, a photo), it is a folder: give the file": the scan is a folder
    by design (the advice is for a --weights or --photo given a folder). Now only "choose another
    output, outside it"; nothing is written."""
    import zarr
    from _napari_helpers import painted_counts

    from xrf_napari.cli.main import main

    store = tmp_path / "scan.zarr"
    zarr.save(str(store), painted_counts()[0])
    assert main(["quicklook", str(store), "-o", str(store / "ql"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(
        f"error: -o: output folder {store / 'ql'} is, or lies inside, the input folder "
        f"{store}: choose another output, outside it"
    ), err
    assert not (store / "ql").exists()
