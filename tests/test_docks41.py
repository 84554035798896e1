"""Session 41 (helper docks41): the reader's error told once in napari's GUI open, the Pigments
dock's photograph with an alpha channel, and the docks' workflows on the samples."""

from __future__ import annotations

import pytest
from _napari_helpers import caught_notifications, painted_counts
from _spectra import CANONICAL_CAL

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
