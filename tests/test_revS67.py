"""Session 67 review of the saved outputs (revS67): what `info` says of each PNG `embed` writes."""

from __future__ import annotations


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
    from _napari_helpers import open_cube, wait_idle
    from napari.utils.notifications import notification_manager

    from xrf_napari.widgets.recolour import RecolourWidget

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    folder = tmp_path / "x"
    folder.mkdir()
    save_tiny_models(folder, paired=True)
    dve = folder / "dve.safetensors"
    viewer = make_napari_viewer()
    open_cube(viewer, write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0])
    dock = RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.weights_edit.setText(str(folder / "uvit.safetensors"))
    dock.embedder_edit.setText("")
    dock.device.setCurrentText("cpu")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=60000)
    assert dock.job.last_error is None, dock.job.last_error
    told = [str(n.message) for n in notification_manager.records]
    assert any(f"using {dve} beside it, which is" in t for t in told), told
    assert [ly for ly in viewer.layers if "recoloured" in ly.name]
