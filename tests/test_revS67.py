"""Session 67 review of the saved outputs (revS67): what `info` says of `embed`'s PNGs, the
Recolour panel telling which embedder it took, and Save All Layers beside a Labels layer."""

from __future__ import annotations

import pytest


def test_info_names_embeds_latent_png_as_the_latent_image(tmp_path, capsys, monkeypatch):
    """`embed`'s latent.png carried only Software "xrf-napari <version>" (c86489f5 gave its
    labels.png a record, not it): `info latent.png` and `pigments --photo latent.png` named it
    "an image xrf-napari 0.1.0 wrote". Now it records what it shows, as labels.png does. Fails on
    the parent: "an image xrf-napari ... wrote"."""
    from _cli_models import write_toy_scan

    from xrf_napari.cli.main import main

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    scan = write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]
    out = tmp_path / "e"
    argv = ["embed", str(scan), "-o", str(out), "-k", "2", "--device", "cpu", "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    for png, words in (
        ("latent.png", "a latent image that xrf-napari wrote (the embedder's first three latent"),
        ("labels.png", "a region image that xrf-napari wrote (each region in its own colour"),
    ):
        assert main(["info", str(out / png)]) != 0
        said = capsys.readouterr().err
        assert f"{png}: unsupported file type '.png': {words}" in said, said


def test_the_recolour_panel_tells_it_took_the_embedder_beside_its_weights(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A guard: 7b819548's warning that the dve.safetensors beside the Recolouriser weights is
    used (the Embedder box empty, the default embedder another) reaches the user of a running
    Recolour panel as a notification, not only a script's warnings, and the panel recolours."""
    from _cli_models import save_tiny_models, write_toy_scan
    from _napari_helpers import open_cube, recolour_dock, wait_idle
    from napari.utils.notifications import notification_manager

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    folder = tmp_path / "x"
    folder.mkdir()
    save_tiny_models(folder, paired=True)
    dve = folder / "dve.safetensors"
    viewer = make_napari_viewer()
    open_cube(viewer, write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0])
    dock = recolour_dock(viewer, folder / "uvit.safetensors")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=60000)
    assert dock.job.last_error is None, dock.job.last_error
    told = [str(n.message) for n in notification_manager.records]
    assert any(f"using {dve} beside it, which is" in t for t in told), told
    assert [ly for ly in viewer.layers if "recoloured" in ly.name]


def test_save_all_layers_with_a_labels_layer_says_what_to_do(make_napari_viewer, tmp_path):
    """File > Save All Layers with a .h5 name after Embed & cluster (a cube, its sum image and
    the clusters Labels layer): no writer took an image and a Labels layer together, and napari
    said only "No data written! A plugin could not be found to write these 3 layers", nothing
    of why. Now the cubes' writer takes them and refuses the Labels layer saying what to do, as
    it refuses a photograph. Fails on the parent: nothing raised (napari's warning only)."""
    import numpy as np
    from _napari_helpers import add_cube

    from xrf_napari._writer import CubeSaveError
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    viewer = make_napari_viewer()
    cube = Cube(np.ones((3, 4, 16), np.uint16), Calibration(0.1, 0.05), metadata={"name": "a"})
    add_cube(viewer, cube)
    viewer.add_labels(np.zeros((3, 4), np.int32), name="clusters")
    refused = pytest.raises(CubeSaveError, match="layer 'clusters' is not an XRF datacube opened")
    with refused as caught, pytest.warns(UserWarning, match="'a sum' not saved"):
        viewer.layers.save(str(tmp_path / "all.h5"))
    assert "select the cube layers alone and use Save Selected Layers" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_info_names_the_pigment_reports_pngs(tmp_path, capsys):
    """The Pigments report's regions.png (region numbers) and pigment_recolour.png (each region
    in its chosen pigment's colour) carried only Software "xrf-napari <version>": `info` named
    them "an image xrf-napari 0.1.0 wrote", where the same region map from save_label_image is
    named (c86489f5). Now each records what it is. Fails on the parent: the generic words."""
    import numpy as np

    from xrf_napari.analysis.pigment_fit import PigmentReport
    from xrf_napari.analysis.pigment_report import write_report
    from xrf_napari.cli.main import main
    from xrf_napari.physics.instrument import InstrumentProfile

    report = PigmentReport([], InstrumentProfile(anode="Rh", kv=40.0), ["chalk"], [], np.arange(3))
    paths = write_report(tmp_path / "rep", report, np.zeros((4, 4), np.int32))
    for png, words in (
        ("regions.png", "a region map that xrf-napari wrote (region numbers as pixel values)"),
        ("pigment_recolour.png", "a pigment image that xrf-napari wrote (each region in the"),
    ):
        assert main(["info", str(paths[png])]) != 0
        said = capsys.readouterr().err
        assert f"{png}: unsupported file type '.png': {words}" in said, said
