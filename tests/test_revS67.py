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
