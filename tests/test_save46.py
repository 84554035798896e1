"""A conservator's saves, walked in napari (session 46): every Save / Export of the docks and the
files they leave, under names and in folders a user picks."""

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


#: 77 CJK characters, 231 bytes: with ".csv", a name of 235 bytes, which the disk takes (255).
LONG_NAME = "東京国立博物館" * 11


def test_a_save_under_a_long_name_the_disk_takes_is_written(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Export CSV under a name of 235 bytes (77 CJK characters, a name ext4 and NTFS take) was
    refused "cannot write ....csv: File name too long": the temporary beside it, named after it
    and about 30 bytes longer, was not a name the disk takes. The temporary now holds a cut
    name; the file is written under the full one, nothing else is left, and a dead writer's
    temporary of that name is still found as that output's (remove_stale_temporaries)."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari import fileutil
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    qtbot.waitUntil(lambda: "mean" in dock.curves, timeout=20000)
    wait_idle(qtbot, dock.job)
    out = tmp_path / "out"
    out.mkdir()
    name = f"{LONG_NAME}.csv"
    assert len(name.encode()) == 235
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(out / name), a[3]))
    dock._export_clicked()
    wait_idle(qtbot, dock.job)  # written in the dock's job (ed1c800)
    assert dock.job.status.text() == f"Saved {name}.", dock.job.status.text()
    assert [p.name for p in out.iterdir()] == [name]
    assert (out / name).read_text(encoding="utf-8").startswith("# xrf-napari spectra")

    dead = 2**22 + 1  # above Linux's largest process id: no such process
    stale = fileutil.temp_prefix(name, dead) + "abcd1234.csv"
    assert len(stale.encode()) <= fileutil.NAME_MAX
    (out / stale).write_text("half", encoding="utf-8")
    assert fileutil.remove_stale_temporaries(out, name) == [out / stale]


def test_a_composite_saves_as_tiff_with_its_values_and_not_as_png(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The user guide's exports table said napari saves composites as TIFF/PNG: a composite
    (float values 0-1) saved as .png is not written (napari: "Image was not saved, because image
    data is of dtype float"); as .tif it reopens with its values. The table now says so."""
    import numpy as np
    from _napari_helpers import stand_in_maps_dock

    viewer = make_napari_viewer()
    rng = np.random.default_rng(0)
    maps = stand_in_maps_dock(
        viewer,
        qtbot,
        tmp_path,
        monkeypatch,
        lambda h, w, symbols: {s: rng.random((h, w)).astype(np.float32) for s in symbols},
        ["Fe", "Pb", "Cu"],
    )
    layer = maps.add_composite(["Fe", "Pb", "Cu"])
    viewer.layers.selection = {layer}
    viewer.layers.save(str(tmp_path / "composite.png"), selected=True)
    assert not (tmp_path / "composite.png").exists()
    saved = viewer.layers.save(str(tmp_path / "composite.tif"), selected=True)
    again = viewer.open(saved[0])[0]
    np.testing.assert_array_equal(np.asarray(again.data), np.asarray(layer.data))


def test_regions_saved_as_tiff_open_again_as_regions(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save labels & spectra as TIFF ("to compute with"), then the file dragged into napari (its
    own TIFF reader): the regions came back as an Image of numbers (8 or 16 bits), which no panel
    offers as regions, so a fit of yesterday's regions needed napari's Convert to Labels first.
    The TIFF is now 32-bit, which napari opens as a Labels layer: the same values, offered as
    the Pigments panel's Regions for the scan."""
    import numpy as np
    from _napari_helpers import stand_in_embed_dock

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    saved, _ = embed.save(tmp_path / "regions.tif")
    clusters = embed._clusters_layer(embed.current_cube(), embed.result)
    again = viewer.open(str(saved), plugin="napari")[0]
    assert type(again).__name__ == "Labels", type(again).__name__
    np.testing.assert_array_equal(np.asarray(again.data), np.asarray(clusters.data))
    pigments = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pigments)
    offered = [pigments.labels_combo.itemText(i) for i in range(pigments.labels_combo.count())]
    assert "regions" in offered, offered
