"""Session 66, helper lateD66: follow-ups of the post-stop review. One rule for files in the
way of embed's and pigments' outputs (a link leading nowhere is not), the Pigments panel's
weights folder read as each run starts, and a 16-bit RGB PNG's marks."""

from __future__ import annotations

import os

import numpy as np


def test_a_link_leading_nowhere_is_not_in_a_reports_way(tmp_path):
    """pigments -o DIR refused a DIR whose candidates.csv was a link leading nowhere (the report
    is written through it, keeping the link: nothing of the user's is lost), where embed -o
    wrote through one: one rule now (fileutil.in_the_way). Fails on the parent: the report
    refused it."""
    from xrf_napari.analysis.pigment_report import report_in_the_way
    from xrf_napari.cli.embed_cmd import others_in_the_way, output_paths

    os.symlink(tmp_path / "gone.csv", tmp_path / "candidates.csv")
    assert report_in_the_way(tmp_path) == []
    paths = output_paths(tmp_path)
    os.symlink(tmp_path / "gone.png", paths["labels.png"])
    assert others_in_the_way(paths) == []
    (tmp_path / "regions.png").write_bytes(b"mine")  # a real file of the user's still is
    paths["latent.png"].write_bytes(b"mine")
    assert report_in_the_way(tmp_path) == ["regions.png"]
    assert others_in_the_way(paths) == [paths["latent.png"]]


def test_a_16_bit_rgb_png_carries_xrf_napari_s_marks(tmp_path):
    """write_image's 16-bit RGB PNG (png_rgb16) had no Software or Description text, so
    xrf_napari_image did not know it as xrf-napari's, as it knows every other image it writes.
    Fails on the parent: no marks."""
    import zlib

    from xrf_napari.analysis.export import write_image
    from xrf_napari.saved_marks import image_marks, software, xrf_napari_image

    rgb = np.random.default_rng(1).integers(0, 65536, (5, 7, 3)).astype(np.uint16)
    made = '{"recolouriser": "uvit", "scan": "/d/sc\u00e4n.h5"}'
    path = write_image(tmp_path / "x.png", rgb, description=made)
    assert image_marks(path) == (software(), made)
    assert (
        xrf_napari_image(*image_marks(path)) == "the SmallUViT's recoloured image of sc\u00e4n.h5"
    )
    # the pixels are still the 16-bit values (the text chunks sit before the image data)
    data = path.read_bytes()
    start = data.index(b"IDAT") + 4
    raw = np.frombuffer(
        zlib.decompress(data[start : start + int.from_bytes(data[start - 8 : start - 4], "big")]),
        np.uint8,
    )
    rows = raw.reshape(5, 1 + 7 * 6)[:, 1:].copy().view(">u2").reshape(5, 7, 3)
    assert np.array_equal(rows, rgb)


def test_the_pigments_panel_follows_a_weights_folder_changed_after_it_opened(
    make_napari_viewer, tmp_path, monkeypatch
):
    """The panel took the weights folder's files once, as it opened: a folder chosen afterwards
    (Preferences, or XRF_NAPARI_WEIGHTS) was not used until napari was started again. Fails on
    the parent: the job is given the first folder's files."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        for name in ("uvit.safetensors", "dve.safetensors"):
            (folder / name).write_bytes(b"")  # only looked up: the job is not run
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(first))
    viewer = make_napari_viewer()
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(second))
    from _cli_models import write_toy_scan
    from _napari_helpers import open_cube

    open_cube(viewer, write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0])
    viewer.add_labels(np.ones((8, 8), np.int32), name="regions")
    started = []
    monkeypatch.setattr(dock, "start_job", lambda *args, **kw: started.append(args))
    dock.use_uvit.setChecked(True)
    dock.run()
    assert started, "no job started"
    given = [str(a) for a in started[0] if isinstance(a, str)]
    assert str(second / "uvit.safetensors") in given and str(second / "dve.safetensors") in given
    assert not any(str(first) in g for g in given), given
