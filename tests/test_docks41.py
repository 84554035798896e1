"""Session 41 (helper docks41): the reader's error told once in napari's GUI open, the Pigments
dock's photograph with an alpha channel, and the docks' workflows on the samples."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import caught_notifications, painted_counts, wait_idle
from _spectra import CANONICAL_CAL


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


RPL = (
    "width\t{w}\nheight\t{h}\ndepth\t{c}\noffset\t0\ndata-length\t2\ndata-type\tunsigned\n"
    "byte-order\tlittle-endian\nrecord-by\tvector\ndepth-scale\t{gain}\ndepth-origin\t{offset}\n"
    "depth-units\tkeV\n"
)


@pytest.fixture
def fresh_settings(monkeypatch):
    """napari's settings as a fresh in-memory copy: no remembered reader of the user's."""
    import napari.settings
    from napari.settings import NapariSettings

    monkeypatch.setattr(napari.settings, "_SETTINGS", NapariSettings(config_path=None))


def _write_rpl(folder, name, raw: bool = True):
    counts, _ = painted_counts()
    h, w, c = counts.shape
    text = RPL.format(w=w, h=h, c=c, gain=CANONICAL_CAL.gain, offset=CANONICAL_CAL.offset)
    (folder / f"{name}.rpl").write_text(text, encoding="utf-8")
    if raw:
        counts.astype("<u2").tofile(folder / f"{name}.raw")
    return folder / f"{name}.rpl"


def test_a_broken_file_only_our_reader_claims_is_told_once_and_the_drop_goes_on(
    make_napari_viewer, tmp_path, fresh_settings
):
    # Before: a drop (or File > Open) of a broken .mca, or of a .rpl without its .raw, gave two
    # notifications: ours, and napari's ReaderPluginError "Tried to read ... with plugin
    # xrf-napari ... but it gave an error. Try associating a different plugin ...", raised
    # from napari's prepare_remaining_readers (no other reader to offer); that raise also ended
    # napari's loop over the drop, so the sound scan dropped after them did not open.
    cut = tmp_path / "cut.mca"
    cut.write_text("<<PMCA SPECTRUM>>\nTAG - x\n<<DATA>>\n", encoding="utf-8")
    lone = _write_rpl(tmp_path, "lone", raw=False)
    good = _write_rpl(tmp_path, "good")
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        viewer.window._qt_viewer._qt_open([str(cut), str(lone), str(good)], stack=False)
    messages = [n.message for n in seen]
    assert len(messages) == 2, messages
    assert str(cut) in messages[0] and "no spectrum" in messages[0]
    assert str(lone) in messages[1] or "lone.raw" in messages[1]
    assert not any("Tried to read" in m for m in messages)
    assert [ly.name for ly in viewer.layers] == ["good", "good sum"]
    # a Shift-drop (napari's stack) of our files: told once too
    with caught_notifications() as seen:
        viewer.window._qt_viewer._qt_open([str(good), str(lone)], stack=True)
    (note,) = seen
    assert "drop the files without Shift" in note.message
    # a script's viewer.open still gets the error raised (and the notification)
    from xrf_napari.io import CubeReadError

    with caught_notifications() as seen, pytest.raises(CubeReadError):
        viewer.open(str(cut), plugin="xrf-napari")
    assert len(seen) == 1


def test_a_photograph_with_alpha_gives_the_dock_the_colours_pigments_photo_reads(
    make_napari_viewer, tmp_path
):
    # Before: the dock took the RGBA layer napari opens from a cut-out PNG and dropped its alpha
    # (colour_prior.photo_on_scan kept [..., :3]), so the transparent surround gave its hidden
    # black to the region colours, while `xrf-napari pigments --photo` composites it on white
    # (image_rgb.rgb_image): one photograph, two colour priors.
    from PIL import Image

    from xrf_napari.analysis.colour_prior import read_photo, region_mean_colours
    from xrf_napari.widgets.pigments import _photo_over_scan

    counts, labels = painted_counts()
    h, w = labels.shape
    rgba = np.zeros((2 * h, 2 * w, 4), np.uint8)  # finer than the scan: resampled too
    rgba[:, :w] = (200, 30, 30, 255)  # the painting, opaque
    rgba[: h // 2, w:] = (0, 0, 0, 0)  # the cut-out's surround: hidden black, transparent
    rgba[h // 2 :, w:] = (40, 140, 90, 128)  # half transparent
    path = tmp_path / "cutout.png"
    Image.fromarray(rgba, "RGBA").save(path)
    viewer = make_napari_viewer()
    scan = viewer.add_image(counts.sum(axis=-1).astype(np.float32), name="scan sum")
    (photo_layer,) = viewer.open(str(path), plugin="napari")
    assert photo_layer.rgb and photo_layer.data.shape[-1] == 4
    from xrf_napari.analysis.colour_prior import photo_on_scan

    dock = photo_on_scan(_photo_over_scan(photo_layer, scan, (h, w)), (h, w))
    cli = read_photo(path, (h, w))
    np.testing.assert_allclose(dock, cli, atol=1e-6)
    # the transparent surround is white, as a viewer or print shows it, not its hidden black
    assert dock[: h // 4, -1].min() > 0.99
    cols = np.tile(np.arange(w) >= w // 2, (h, 1)).astype(np.int32) + 1
    assert region_mean_colours(dock, cols) == region_mean_colours(cli, cols)


@pytest.mark.parametrize("key", ["panel", "painting"])
def test_saves_from_a_sample_are_not_suggested_into_the_installed_package(
    make_napari_viewer, monkeypatch, key
):
    # Before: a sample's cube has a file, the package's sample_data/panel.h5 (or the cache's),
    # so every save dialog suggested sample_data/panel_recoloured.png and the folder dialogs
    # (Export report..., Save maps...) opened in sample_data: results written into site-packages,
    # where the user guide says a sample gets the bare name in the current folder.
    from xrf_napari.widgets import _dialogs
    from xrf_napari.widgets.pigments import PigmentsWidget

    asked = []
    monkeypatch.setattr(
        _dialogs.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda parent, title, suggested, *a: (asked.append(suggested), ("", ""))[1]),
    )
    monkeypatch.setattr(
        _dialogs.QFileDialog,
        "getExistingDirectory",
        staticmethod(lambda parent, title, start: (asked.append(start), "")[1]),
    )
    viewer = make_napari_viewer()
    viewer.open_sample("xrf-napari", key)
    dock = PigmentsWidget(viewer)
    assert dock.current_cube().path is not None  # the shipped (or cached) sample file
    dock.save_with_dialog("Save", "PNG (*.png)", "recoloured.png", lambda path: None)
    dock._export_clicked()
    assert asked == ["recoloured.png", ""]
    # a scan's own file still gets its outputs beside it
    assert _dialogs.suggested_path("/data/NG6461.rpl", "x.png") == "/data/NG6461_x.png"


def test_the_docks_report_shows_the_photograph_under_its_thumbnails(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    # Before: Export report... put the pigment recolour (the candidates' own colours) under the
    # region thumbnails even when the fit's colours came from a photograph, which
    # `xrf-napari pigments --photo` puts there: the same fit gave two reports.
    from _napari_helpers import open_cube, write_painted_cube

    from xrf_napari.analysis import pigment_report
    from xrf_napari.widgets.pigments import PigmentsWidget

    scan = write_painted_cube(tmp_path / "painted.h5")
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    _, labels = painted_counts()
    viewer.add_labels(labels.astype(np.int32), name="regions")
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, labels.shape + (3,), dtype=np.uint8)
    viewer.add_image(photo, rgb=True, name="photo")
    dock = PigmentsWidget(viewer)
    dock.photo_combo.set_layer(viewer.layers["photo"])
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    seen = {}
    monkeypatch.setattr(pigment_report, "write_report", lambda *a, **k: seen.update(k) or {})
    dock.export(tmp_path / "report")
    np.testing.assert_array_equal(seen["background"], photo)
    assert seen["colour_source"] == "photograph"


def test_a_float_photograph_with_alpha_is_composited_on_white_on_its_own_scale():
    from xrf_napari.analysis.colour_prior import photo_on_scan

    photo = np.zeros((8, 10, 4), np.float32)
    photo[..., 0] = 200.0  # a 0-255 float image: red
    photo[:, :5, 3] = 255.0  # left half opaque, right half transparent
    photo[0, 0, 3] = np.nan  # an alpha without a value: opaque, as before alpha counted
    on = photo_on_scan(photo, (8, 10))
    np.testing.assert_allclose(on[:, :5], np.broadcast_to([200 / 255, 0, 0], (8, 5, 3)), 1e-6)
    np.testing.assert_allclose(on[:, 5:], 1.0)
    # 16-bit: alpha on the type's scale
    photo16 = np.zeros((8, 10, 4), np.uint16)
    photo16[..., 3] = 32768
    np.testing.assert_allclose(photo_on_scan(photo16, (8, 10)), 32767 / 65535, atol=1e-6)


def test_recolours_outline_box_is_off_once_its_colours_are_deleted(
    make_napari_viewer, qtbot, tmp_path
):
    # Before: with the "recoloured [scan]" layer deleted, the opacity slider went off but the
    # "Outline where the colour is a guess" box stayed on, and ticking it added an outline of
    # colours no longer shown, over the scan instead of beside it where the colours had been.
    from _napari_helpers import tiny_recolour_dock

    viewer = make_napari_viewer()
    viewer.open_sample("xrf-napari", "painting")
    dock = tiny_recolour_dock(viewer, tmp_path)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    assert dock.outline_box.isEnabled()  # the tiny model's colours are a guess somewhere
    viewer.layers.remove(dock.result_layer)
    assert not dock.opacity.isEnabled()
    assert not dock.outline_box.isEnabled()
    assert not any("ambiguous colour" in ly.name for ly in viewer.layers)
    dock.cube_combo.set_layer(viewer.layers["painting sum"])  # chosen again: still off
    assert not dock.outline_box.isEnabled()
