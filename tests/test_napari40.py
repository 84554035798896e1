"""The napari side of opening and saving scans, with a real viewer (session 40 audit): the
writer never replaces the file of a scan open in the viewer; a saved cube reopens identically
(an automatic calibration included); paths with spaces and non-ASCII letters, several paths in
one viewer.open, the same file twice, and both sample-data entries."""

import numpy as np
import pytest
from _io_helpers import fingerprint
from _napari_helpers import caught_notifications, open_cube, painted_counts, write_painted_cube

from xrf_napari._writer import CubeSaveError


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _save(viewer, layer, path):
    viewer.layers.selection = {layer}
    return viewer.layers.save(str(path), selected=True, plugin="xrf-napari")


def test_saving_over_the_file_of_another_open_scan_is_refused(make_napari_viewer, tmp_path):
    # Before: napari's Save dialog asked "replace?", and the cube of cube.npy replaced
    # painted.h5 while the scan 'painted' was open on it: its layers read a deleted file.
    h5 = write_painted_cube(tmp_path / "painted.h5")
    np.save(tmp_path / "cube.npy", painted_counts(seed=1)[0])
    viewer = make_napari_viewer()
    painted = open_cube(viewer, h5)[0]
    cube = open_cube(viewer, tmp_path / "cube.npy")[0]
    before = fingerprint(h5)
    with pytest.raises(CubeSaveError, match=r"painted\.h5 is the file of the open scan 'painted'"):
        _save(viewer, cube, h5)
    assert fingerprint(h5) == before
    np.testing.assert_array_equal(painted.data[100].compute(), painted_counts()[0][..., 100])
    # once that scan is closed, replacing its file is the user's choice (the dialog asked)
    viewer.layers.remove("painted")
    viewer.layers.remove("painted sum")
    assert _save(viewer, cube, h5) == [str(h5)]
    reopened = open_cube(viewer, h5)[0]
    np.testing.assert_array_equal(reopened.data[7].compute(), cube.data[7].compute())


def test_a_saved_auto_calibrated_cube_reopens_identically(make_napari_viewer, tmp_path):
    folder = tmp_path / "scans é ü"  # spaces and non-ASCII letters in the path
    folder.mkdir()
    np.save(folder / "no cal.npy", painted_counts()[0])
    viewer = make_napari_viewer()
    layer = open_cube(viewer, folder / "no cal.npy")[0]
    cube = layer.metadata["xrf_cube"]
    assert cube.calibration.source == "auto" and layer.axis_labels == ("energy", "y", "x")
    out = folder / "saved ü.h5"
    assert _save(viewer, layer, out) == [str(out)]
    again = open_cube(viewer, out)[0]
    saved = again.metadata["xrf_cube"]
    assert saved.calibration.to_dict() == cube.calibration.to_dict()
    np.testing.assert_array_equal(np.asarray(saved.data), np.asarray(cube.data))
    np.testing.assert_allclose(again.scale, layer.scale)
    np.testing.assert_allclose(again.translate, layer.translate)
    assert [str(u) for u in again.units] == ["kiloelectron_volt", "pixel", "pixel"]
    assert again.name == "saved ü" and not again.visible


def test_two_paths_at_once_and_the_same_file_twice(make_napari_viewer, tmp_path):
    h5 = write_painted_cube(tmp_path / "painted.h5")
    np.save(tmp_path / "cube.npy", painted_counts(seed=1)[0])
    viewer = make_napari_viewer()
    added = viewer.open([str(tmp_path / "cube.npy"), str(h5)], plugin="xrf-napari")
    assert [ly.name for ly in added] == ["cube", "cube sum", "painted", "painted sum"]
    again = viewer.open(str(h5), plugin="xrf-napari")
    assert [ly.name for ly in again] == ["painted [1]", "painted sum [1]"]
    assert again[0].metadata["xrf_cube"] is not added[2].metadata["xrf_cube"]


@pytest.mark.parametrize("key", ["panel", "painting"])
def test_each_sample_opens_a_cube_its_sum_and_true_colours(make_napari_viewer, key):
    viewer = make_napari_viewer()
    viewer.open_sample("xrf-napari", key)
    assert [ly.name for ly in viewer.layers] == [key, f"{key} sum", f"{key} true colours"]
    stack = viewer.layers[key]
    assert stack.axis_labels == ("energy", "y", "x") and not stack.visible
    assert str(stack.units[0]) == "kiloelectron_volt"
    assert viewer.layers[f"{key} true colours"].rgb


def test_a_broken_file_chosen_in_naparis_reader_dialog_is_told_once(
    make_napari_viewer, tmp_path, monkeypatch
):
    # Before: napari's 'choose a reader' dialog (napari's builtins claim .h5 too) re-raises the
    # reader's error as it is, which napari's exception hook shows: the reader's own notification
    # and napari's said the same thing twice.
    import napari.settings
    from napari._qt.dialogs import qt_reader_dialog
    from napari.settings import NapariSettings
    from napari.utils.notifications import Notification, notification_manager

    from xrf_napari.io import CubeReadError

    monkeypatch.setattr(napari.settings, "_SETTINGS", NapariSettings(config_path=None))
    monkeypatch.setattr(
        qt_reader_dialog.QtReaderDialog,
        "get_user_choices",
        lambda self: ("XRF recolouring", False),
    )
    bad = tmp_path / "broken.h5"
    bad.write_text("not an HDF5 file", encoding="utf-8")
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        with pytest.raises(CubeReadError) as raised:
            viewer.window._qt_viewer._qt_open([str(bad)], stack=False)
        # what napari's exception hook shows: the error's message (a copy: the raised one's
        # traceback holds the viewer, which napari's fixture would report leaked)
        notification_manager.dispatch(Notification.from_exception(Exception(str(raised.value))))
        del raised
    told = [n.message for n in seen if "broken.h5: not an HDF5 file" in n.message]
    assert len(told) == 1
    assert len(viewer.layers) == 0
    # a script's viewer.open (no dialog, the error raised to the script) still notifies
    with caught_notifications() as seen, pytest.raises(CubeReadError):
        viewer.open(str(bad), plugin="xrf-napari")
    assert [n.message for n in seen if "broken.h5: not an HDF5 file" in n.message]
