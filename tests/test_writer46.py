"""napari's File > Save Selected Layers and Embed & cluster's Save, and the user's open files
(session 46): the writer refused only a scan's file, and replaced the file of an image or regions
opened in napari (embed's latent.h5 and labels.h5) once the Save dialog's "Replace?" was answered;
Embed & cluster's Save replaced an open regions.tif on "Replace?", where Pigments' Export refused
it. Both now refuse the files the docks refuse (layerkinds.open_files)."""

from __future__ import annotations

import numpy as np
import pytest
from _io_helpers import fingerprint
from _napari_helpers import open_cube, painted_counts, stand_in_embed_dock, wait_idle

from xrf_napari._writer import CubeSaveError


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _embed_outputs(folder):
    """latent.h5 and labels.h5 as `xrf-napari embed` writes them (io.hdf5.embed_output): the
    reader opens the first as an RGB image, the second as a Labels layer."""
    import h5py

    rng = np.random.default_rng(0)
    latent, labels = folder / "latent.h5", folder / "labels.h5"
    with h5py.File(latent, "w") as f:
        f.attrs.update(source="painted", weights="dve.safetensors")
        f["latent"] = rng.random((48, 40, 3)).astype(np.float32)
    with h5py.File(labels, "w") as f:
        f.attrs.update(source="painted", k=3)
        f["labels"] = rng.integers(1, 4, (48, 40)).astype(np.int32)
    return latent, labels


def test_the_writer_refuses_the_file_of_an_open_image_or_regions(make_napari_viewer, tmp_path):
    """A cube saved as latent.h5 or labels.h5 while those embed outputs are open (an RGB image
    and a Labels layer): the writer checked only scans, so "Replace?" and Yes replaced them."""
    latent, labels = _embed_outputs(tmp_path)
    np.save(tmp_path / "cube.npy", painted_counts(seed=1)[0])
    viewer = make_napari_viewer()
    cube = open_cube(viewer, tmp_path / "cube.npy")[0]
    (image,) = open_cube(viewer, latent)
    assert image.rgb and type(open_cube(viewer, labels)[0]).__name__ == "Labels"
    for path in (latent, labels):
        before = fingerprint(path)
        viewer.layers.selection = {cube}
        with pytest.raises(CubeSaveError, match=rf"{path.name} is the file of the layer "):
            viewer.layers.save(str(path), selected=True, plugin="xrf-napari")
        assert fingerprint(path) == before
    # closed, replacing it is the user's choice (the Save dialog asked)
    viewer.layers.remove(image)
    viewer.layers.selection = {cube}
    assert viewer.layers.save(str(latent), selected=True, plugin="xrf-napari") == [str(latent)]


def test_embeds_save_refuses_an_open_regions_file(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Save labels & spectra under the name of a regions.tif open as a Labels layer (an earlier
    save, opened again to compare) asked only "Replace?", and Yes replaced it; Pigments' Export
    refuses its regions' file. Now refused before any question, as a scan's or photograph's."""
    import imageio.v3 as iio
    from _napari_helpers import scripted_questions
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    regions = tmp_path / "regions.tif"
    iio.imwrite(regions, np.arange(48 * 40, dtype=np.uint8).reshape(48, 40) % 3)
    (layer,) = viewer.open(str(regions), plugin="napari", layer_type="labels")
    assert type(layer).__name__ == "Labels"
    before = regions.read_bytes()
    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a: (str(regions), a[3].split(";;")[1])
    )
    embed._save_clicked()
    said = embed.job.status.text()
    assert said.startswith("Save: output ") and "would be overwritten" in said, said
    assert str(regions) in said and asked == []
    assert regions.read_bytes() == before and not (tmp_path / "regions_spectra.csv").exists()
