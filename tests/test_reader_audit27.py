"""The napari contract audit of the reader (runs27/audit_npe2 F1, F3, F4, F8-F12): a dropped
Bruker .rpl/.raw pair opens one scan; a quadratic calibration never shows a wrong keV on the
slider; mixing keV and channel axes in one viewer is announced; the cube layer's contrast comes
from a bounded sample of its counts; the sum layer of a spectrum, its axis names and the layer
metadata; a Shift-drop (stack) of scans says what to do."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import caught_notifications, open_cube, painted_counts, write_painted_cube
from _spectra import CANONICAL_CAL

import xrf_napari._reader as reader
from xrf_napari.cube import Cube, cube_from_array
from xrf_napari.energy import Calibration
from xrf_napari.io import CubeReadError


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


RPL = (
    "width\t{w}\nheight\t{h}\ndepth\t{c}\noffset\t0\ndata-length\t2\ndata-type\tunsigned\n"
    "byte-order\tlittle-endian\nrecord-by\tvector\ndepth-scale\t{gain}\ndepth-origin\t{offset}\n"
    "depth-units\tkeV\n"
)


def _write_pair(folder, name="scan"):
    """A Bruker ripple pair (.rpl header, .raw counts) of the painted cube, calibrated."""
    counts, _ = painted_counts()
    h, w, c = counts.shape
    text = RPL.format(w=w, h=h, c=c, gain=CANONICAL_CAL.gain, offset=CANONICAL_CAL.offset)
    (folder / f"{name}.rpl").write_text(text, encoding="utf-8")
    counts.astype("<u2").tofile(folder / f"{name}.raw")
    return folder / f"{name}.rpl", folder / f"{name}.raw"


def _cubes(viewer):
    return [ly for ly in viewer.layers if ly.ndim == 3 and ly.metadata.get("xrf_cube")]


@pytest.fixture
def reader_dialog(monkeypatch):
    """napari's 'choose a reader' dialog, answered 'XRF recolouring' (not remembered); the list
    holds one entry per time it popped up. napari's settings are a fresh in-memory copy."""
    import napari.settings
    from napari._qt.dialogs import qt_reader_dialog
    from napari.settings import NapariSettings

    dialog = SimpleNamespace(asked=[], settings=NapariSettings(config_path=None))
    monkeypatch.setattr(napari.settings, "_SETTINGS", dialog.settings)

    def choose(self):
        dialog.asked.append(self)
        return "XRF recolouring", False

    monkeypatch.setattr(qt_reader_dialog.QtReaderDialog, "get_user_choices", choose)
    return dialog


# -- F1: a .rpl + .raw pair is one scan -----------------------------------------------------------
@pytest.mark.parametrize("order", ["rpl first", "raw first"])
def test_a_ripple_pair_with_a_remembered_reader_opens_one_cube(
    make_napari_viewer, tmp_path, reader_dialog, order
):
    # Before: the .rpl and then the .raw (read as its .rpl) each opened the cube: two copies.
    rpl, raw = _write_pair(tmp_path)
    viewer = make_napari_viewer()
    reader_dialog.settings.plugins.extension2reader = {"*.raw": "xrf-napari"}
    paths = [rpl, raw] if order == "rpl first" else [raw, rpl]
    with caught_notifications() as seen:
        viewer.window._qt_viewer._qt_open([str(p) for p in paths], stack=False)
    assert reader_dialog.asked == []  # remembered: no dialog
    assert [ly.name for ly in _cubes(viewer)] == ["scan"]
    assert [ly.name for ly in viewer.layers] == ["scan", "scan sum"]
    (note,) = seen  # the second file of the pair says why it opened nothing
    assert str(paths[1]) in note.message and "not opened again" in note.message
    assert "layer 'scan'" in note.message and paths[0].name in note.message


def test_a_ripple_pair_dropped_raw_first_opens_one_cube_through_the_dialog(
    make_napari_viewer, tmp_path, reader_dialog
):
    # Before: the dialog's choice re-opened both paths: the .raw (as its .rpl), then the .rpl.
    rpl, raw = _write_pair(tmp_path)
    viewer = make_napari_viewer()
    viewer.window._qt_viewer._qt_open([str(raw), str(rpl)], stack=False)
    assert len(reader_dialog.asked) == 1  # napari's builtins claim *.raw too
    assert [ly.name for ly in viewer.layers] == ["scan", "scan sum"]


def test_a_ripple_pair_dropped_rpl_first_opens_at_most_naparis_reopen(
    make_napari_viewer, tmp_path, reader_dialog
):
    """.rpl first without a remembered reader: the .rpl opens, the .raw pops the dialog and napari
    re-opens every dropped path with the choice (the .rpl a second time: napari's doing, the
    reader cannot tell it from a deliberate re-open). The .raw adds nothing: two copies, not 3."""
    rpl, raw = _write_pair(tmp_path)
    viewer = make_napari_viewer()
    viewer.window._qt_viewer._qt_open([str(rpl), str(raw)], stack=False)
    assert len(reader_dialog.asked) == 1
    assert len(_cubes(viewer)) == 2


def test_the_raw_alone_still_opens_the_scan_once(make_napari_viewer, tmp_path, reader_dialog):
    rpl, raw = _write_pair(tmp_path)
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        viewer.window._qt_viewer._qt_open([str(raw)], stack=False)
    assert seen == []
    assert [ly.name for ly in viewer.layers] == ["scan", "scan sum"]
    assert viewer.layers[0].source.path == str(raw)
    # the same file again is a deliberate second copy, as for every other format
    viewer.window._qt_viewer._qt_open([str(raw)], stack=False)
    assert len(_cubes(viewer)) == 2


def test_a_pair_read_by_a_script_into_a_viewer_opens_once(make_napari_viewer, tmp_path):
    # viewer.open with the plugin named: the path of a remembered choice, and of scripts
    rpl, raw = _write_pair(tmp_path)
    viewer = make_napari_viewer()
    added = viewer.open([str(rpl), str(raw)], plugin="xrf-napari")
    assert [ly.name for ly in added] == ["scan", "scan sum"]
    assert [ly.name for ly in viewer.layers] == ["scan", "scan sum"]
    np.testing.assert_allclose(added[1].data, painted_counts()[0].sum(axis=2))


def test_without_a_viewer_each_file_of_a_pair_reads_the_scan(tmp_path):
    rpl, raw = _write_pair(tmp_path)
    for path in (rpl, raw):
        layers = reader.napari_get_reader(str(path))(str(path))
        assert layers[0][0].shape == (512, 24, 20) and layers[0][1]["name"] == "scan"


# -- F3: a quadratic calibration on napari's linear axis -------------------------------------------
def _cube(cal, c=2048, dtype=np.uint16):
    counts = np.random.default_rng(0).poisson(3.0, size=(4, 3, c)).astype(dtype)
    return cube_from_array(counts, cal)


def test_a_strongly_quadratic_calibration_gets_a_channel_axis():
    # Before: the straight line through the end channels: the slider at "6.40 keV" drew a
    # channel of 6.0 keV. Here the line is 2.1 keV off in the middle of the spectrum.
    from napari.layers import Image

    cube = _cube(Calibration(0.5, 0.01, 2e-6, source="file"))
    e = cube.energy
    line = e[0] + (e[-1] - e[0]) / (len(e) - 1) * np.arange(len(e))
    assert np.max(np.abs(e - line)) > 100 * 0.01
    assert reader.energy_axis(cube) == {"axis_labels": ("channel", "y", "x")}
    (stack, meta, _), _ = reader.cube_layers(cube)
    layer = Image(stack, **meta)
    assert layer.axis_labels == ("channel", "y", "x") and tuple(layer.scale) == (1, 1, 1)
    assert layer.data_to_world((700, 0, 0))[0] == 700  # the status bar reads the channel drawn
    np.testing.assert_array_equal(meta["metadata"]["energy"], e)  # the exact keV for the docks


def test_a_quadratic_within_half_a_channel_keeps_the_kev_axis():
    cube = _cube(Calibration(0.5, 0.01, 1e-9, source="file"))  # at most 0.0010 keV off
    axis = reader.energy_axis(cube)
    assert axis["axis_labels"] == ("energy", "y", "x") and axis["units"][0] == "keV"
    e = cube.energy
    assert axis["scale"][0] == pytest.approx((e[-1] - e[0]) / (len(e) - 1))


def test_a_linear_calibration_is_shown_exactly_as_before():
    cube = _cube(Calibration(-0.9555, 0.02, source="file"))
    e = cube.energy
    assert reader.energy_axis(cube) == {
        "axis_labels": ("energy", "y", "x"),
        "units": ("keV", "pixel", "pixel"),
        "scale": (float(e[-1] - e[0]) / (len(e) - 1), 1.0, 1.0),
        "translate": (-0.9555, 0.0, 0.0),
    }


# -- F4: keV and channel axes in one viewer --------------------------------------------------------
def _uncalibrated_npy(folder, name="uncal"):
    """A cube file without a calibration (npy, no sidecar: no automatic one either)."""
    path = folder / f"{name}.npy"
    np.save(path, np.random.default_rng(0).integers(0, 50, size=(9, 7, 40)).astype(np.uint16))
    return path


def _warnings(seen):
    from napari.utils.notifications import NotificationSeverity

    return [n for n in seen if n.severity == NotificationSeverity.WARNING]


def _but_channel_count(seen):
    """The notifications, less the 40-channel file's "too few for an X-ray spectrum" (told since
    d560a4f8 where napari's warning hook is not set, as in these tests; napari.run shows it too)."""
    return [n for n in seen if "channels are too few" not in n.message]


@pytest.mark.parametrize("first", ["kev", "channel"])
def test_mixing_kev_and_channel_cubes_warns_once(make_napari_viewer, tmp_path, first):
    # Before: silently, the slider became 10221 steps over 0-511 and the label flipped.
    kev, channel = write_painted_cube(tmp_path / "painted.h5"), _uncalibrated_npy(tmp_path)
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        open_cube(viewer, kev if first == "kev" else channel)
        assert _but_channel_count(seen) == []
        open_cube(viewer, channel if first == "kev" else kev)
    (note,) = [n for n in seen if "xrf-napari" in n.message or "mixes keV" in n.message]
    # napari's own "Inconsistent units" log follows
    assert _warnings(_but_channel_count(seen))[0] is note
    text = note.message
    assert "mixes keV and channel numbers" in text and "start napari again" in text
    new, old = ("uncal", "painted") if first == "kev" else ("painted", "uncal")
    assert f"'{new}' opens" in text and f"'{old}'" in text


def test_cubes_of_one_axis_kind_open_without_a_warning(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
        open_cube(viewer, write_painted_cube(tmp_path / "b.h5"))
        other = make_napari_viewer()  # a new window is the advice: no warning there
        open_cube(other, _uncalibrated_npy(tmp_path, "u1"))
        open_cube(other, _uncalibrated_npy(tmp_path, "u2"))
    assert _but_channel_count(seen) == []


def test_a_mixed_open_without_a_viewer_reads_quietly(tmp_path):
    for path in (write_painted_cube(tmp_path / "painted.h5"), _uncalibrated_npy(tmp_path)):
        assert reader.napari_get_reader(str(path))(str(path))[0][0].ndim == 3


# -- F8: the cube layer's contrast -----------------------------------------------------------------
def _sampled(counts):
    rows = np.unique(np.linspace(0, counts.shape[0] - 1, min(counts.shape[0], 12)).astype(int))
    return counts[rows]


def test_cube_contrast_is_the_99_5th_percentile_of_a_row_sample(tmp_path):
    # Before: (0, 100) for every uint16 cube: channels of a few counts were black.
    path = write_painted_cube(tmp_path / "painted.h5")
    (_, meta, _), _ = reader.read_layers(str(path))
    expected = np.percentile(_sampled(painted_counts()[0]), 99.5)
    assert 1 < expected != 100
    assert meta["contrast_limits"] == (0.0, pytest.approx(expected))


def test_a_float_cube_below_one_is_not_black(tmp_path):
    # Before: (0, 100) for floats: a cube of fractions (normalised counts) showed black.
    arr = np.random.default_rng(2).uniform(0, 0.6, size=(9, 7, 40)).astype(np.float32)
    np.save(tmp_path / "frac.npy", arr)
    (tmp_path / "frac.json").write_text('{"offset": 0.0, "gain": 0.05}', encoding="utf-8")
    (_, meta, _), _ = reader.read_layers(str(tmp_path / "frac.npy"))
    lo, hi = meta["contrast_limits"]
    assert lo == 0 and hi == pytest.approx(np.percentile(arr, 99.5)) and 0.5 < hi < 0.6


def test_in_a_viewer_the_contrast_range_reaches_the_sample_maximum(
    make_napari_viewer, tmp_path, qtbot
):
    """napari sets contrast_limits_range to the limits given; the reader widens it once the layer
    is in, so the upper limit can be raised for a strong line."""
    viewer = make_napari_viewer()
    layer = open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))[0]
    sample = _sampled(painted_counts()[0])
    hi = float(np.percentile(sample, 99.5))
    assert layer.contrast_limits == [0.0, pytest.approx(hi)]
    qtbot.waitUntil(lambda: layer.contrast_limits_range[1] > hi, timeout=5000)
    assert layer.contrast_limits_range == [0.0, float(sample.max())]
    assert layer.contrast_limits == [0.0, pytest.approx(hi)]  # the limits stay


def test_deferred_and_synchronous_opens_give_the_same_contrast(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    path = write_painted_cube(tmp_path / "painted.h5")
    (_, sync, _), _ = reader.read_layers(str(path))
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    cube_layer, sum_layer = open_cube(viewer, path)
    assert sum_layer.name.endswith("(computing\u2026)")
    assert cube_layer.contrast_limits == list(sync["contrast_limits"])
    qtbot.waitUntil(lambda: sum_layer.name == "painted sum", timeout=10000)


class _ByteCounter:
    """(H, W, C) array face counting the bytes each read returns."""

    def __init__(self, array):
        self._a, self.shape, self.dtype, self.ndim = array, array.shape, array.dtype, 3
        self.bytes = 0

    def __getitem__(self, key):
        out = np.asarray(self._a[key])
        self.bytes += out.nbytes
        return out


def test_the_contrast_sample_reads_bounded_bytes():
    """A cube whose sum is already known (the automatic calibration's pass made it, or a worker
    computes it): the limits read at most SAMPLE_BYTES, never a pass."""
    # 0-4 counts (mean 2) drawn uniformly: 0.04 s where Poisson draws took 1.6 s; the limits
    # only need counts, and the bytes read do not depend on them
    counts = np.random.default_rng(3).integers(0, 5, size=(400, 300, 256), dtype=np.uint16)
    data = _ByteCounter(counts)
    cube = Cube(data, Calibration(-0.9555, 0.1, source="user"))
    cube._sum_image = np.zeros(counts.shape[:2])
    (_, meta, _), _ = reader.cube_layers(cube)
    assert 0 < data.bytes <= reader.SAMPLE_BYTES < counts.nbytes // 20
    assert meta["contrast_limits"][1] >= 1


# -- F9, F10, F11 ----------------------------------------------------------------------------------
def test_a_single_spectrum_sum_pixel_is_not_saturated():
    # Before: (0, 1) for the one pixel of a spectrum's sum image, whatever its total.
    spectrum = np.random.default_rng(4).poisson(20.0, size=(1, 1, 256)).astype(np.uint32)
    _, (total, meta, _) = reader.cube_layers(cube_from_array(spectrum, CANONICAL_CAL))
    assert meta["contrast_limits"] == (0.0, float(spectrum.sum())) == (0.0, float(total[0, 0]))


def test_the_sum_layer_names_its_axes_like_the_cube(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    # Before: the sum layer's axes were '-2', '-1'; with the cube layer deleted, so were the dims.
    viewer = make_napari_viewer()
    cube_layer, sum_layer = open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    assert sum_layer.axis_labels == ("y", "x") == cube_layer.axis_labels[1:]
    assert [str(u) for u in sum_layer.units] == ["pixel", "pixel"]
    viewer.layers.remove(cube_layer)
    assert tuple(viewer.dims.axis_labels) == ("y", "x")
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)  # the placeholder sum layer too
    _, pending = open_cube(viewer, write_painted_cube(tmp_path / "other.h5"))
    assert pending.name.endswith("(computing\u2026)") and pending.axis_labels == ("y", "x")
    qtbot.waitUntil(lambda: pending.name == "other sum", timeout=10000)


def test_the_readers_metadata_keys_win_over_the_files(tmp_path):
    # Before: a sidecar's "energy": 40 replaced the layer's energy vector, and so on.
    arr = np.random.default_rng(0).integers(0, 50, size=(9, 7, 40)).astype(np.uint16)
    np.save(tmp_path / "scan.npy", arr)
    side = {"offset": 0.0, "gain": 0.05, "energy": 40, "calibration": "checked 2024"}
    side.update({"path": "scan 12", "xrf_cube": "mine", "operator": "A. N."})
    (tmp_path / "scan.json").write_text(json.dumps(side), encoding="utf-8")
    (_, meta, _), _ = reader.read_layers(str(tmp_path / "scan.npy"))
    md = meta["metadata"]
    assert isinstance(md["xrf_cube"], Cube)
    np.testing.assert_allclose(md["energy"], 0.05 * np.arange(40))
    assert md["calibration"]["gain"] == 0.05 and md["path"] == str(tmp_path / "scan.npy")
    assert md["operator"] == "A. N."  # the file's other keys are still there


# -- F12: a Shift-drop of several scans ------------------------------------------------------------
def test_a_stack_of_scans_gets_a_reader_that_says_what_to_do(tmp_path):
    # Before: None, and napari's "Try associating a different plugin".
    a, _ = _write_pair(tmp_path, "a")
    b, _ = _write_pair(tmp_path, "b")
    read = reader.napari_get_reader([str(a), str(b)])
    assert callable(read)
    with pytest.raises(
        CubeReadError, match=r"a\.rpl: .*one scan per file; drop the files without Shift"
    ):
        read([str(a), str(b)])
    # a stack that holds none of our files stays napari's (TIFF slices, missing paths)
    np.save(tmp_path / "img.npy", np.zeros((4, 4)))
    assert reader.napari_get_reader([str(tmp_path / "img.npy"), str(tmp_path / "no.npy")]) is None


def test_shift_drop_tells_the_user_and_a_plain_drop_opens_each_scan_once(
    make_napari_viewer, tmp_path, reader_dialog
):
    a, _ = _write_pair(tmp_path, "a")
    b, _ = _write_pair(tmp_path, "b")
    viewer = make_napari_viewer()
    qt_viewer = viewer.window._qt_viewer
    with caught_notifications() as seen:  # told once: napari's own error would repeat it
        qt_viewer._qt_open([str(a), str(b)], stack=True)
    (note,) = seen
    assert "drop the files without Shift" in note.message
    assert len(viewer.layers) == 0
    qt_viewer._qt_open([str(a), str(b)], stack=False)
    assert [ly.name for ly in viewer.layers] == ["a", "a sum", "b", "b sum"]
