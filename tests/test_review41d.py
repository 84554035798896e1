"""Review 41d of helper docks41's napari-side work: the reader's null layer only for napari's own
GUI open (not for a script's viewer.open run inside it), a sample's saved copy no sample, and
the Pigments fit's note on a tube voltage a partial instrument profile leaves out."""

from __future__ import annotations

import pytest
from _napari_helpers import caught_notifications

#: A sound Amptek spectrum (only xrf-napari reads .mca), calibrated (a flat one left on channel
#: numbers is told with a warning of its own), and one cut before its counts.
MCA = (
    "<<PMCA SPECTRUM>>\nREAL_TIME - 60.5\nLIVE_TIME - 59.0\n<<CALIBRATION>>\nLABEL - keV\n"
    "0 0\n63 0.63\n<<DATA>>\n{counts}\n<<END>>\n"
)
CUT_MCA = "<<PMCA SPECTRUM>>\nTAG - x\n<<DATA>>\n"


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def fresh_settings(monkeypatch):
    """napari's settings as a fresh in-memory copy: no remembered reader of the user's."""
    import napari.settings
    from napari.settings import NapariSettings

    monkeypatch.setattr(napari.settings, "_SETTINGS", NapariSettings(config_path=None))


def _nested_open(viewer, cut):
    """Connects a plugin's slot that opens `cut` with viewer.open when a layer is added (once);
    returns the list its outcome goes to ('raised' or 'returned') and the slot."""
    from xrf_napari.io import CubeReadError

    outcome = []

    def on_inserted(event=None):
        if outcome:
            return
        try:
            viewer.open(str(cut), plugin="xrf-napari")
            outcome.append("returned")
        except CubeReadError:
            outcome.append("raised")

    viewer.layers.events.inserted.connect(on_inserted, position="last")  # after napari's own
    return outcome, on_inserted


def test_a_scripts_open_inside_naparis_open_still_gets_the_error(
    make_napari_viewer, tmp_path, fresh_settings
):
    # 71f56a8 read "napari's GUI open" as _qt_open anywhere up the call stack, and napari's
    # reader dialog as open_with_dialog_choices anywhere: a plugin's or a script's viewer.open
    # run from a slot inside napari's open (a layer-added callback) of a broken file got
    # napari's null layer ([] returned, no error) from the GUI's open, and from the dialog's its
    # error with no notification at all. Only the viewer.open that reads the file counts now.
    from napari._qt.dialogs.qt_reader_dialog import open_with_dialog_choices

    cut = tmp_path / "cut.mca"
    cut.write_text(CUT_MCA, encoding="utf-8")
    good = tmp_path / "good.mca"
    good.write_text(MCA.format(counts="\n".join(["5"] * 64)), encoding="utf-8")
    viewer = make_napari_viewer()
    qt_viewer = viewer.window._qt_viewer

    outcome, slot = _nested_open(viewer, cut)
    with caught_notifications() as seen:
        qt_viewer._qt_open([str(good)], stack=False)
    assert outcome == ["raised"]  # the script's own viewer.open: its error, as documented
    assert len(seen) == 1 and str(cut) in seen[0].message  # and the notification, once

    viewer.layers.events.inserted.disconnect(slot)
    viewer.layers.clear()
    outcome, slot = _nested_open(viewer, cut)
    with caught_notifications() as seen:
        open_with_dialog_choices(
            "xrf-napari", False, ".mca", {"xrf-napari": "xrf-napari"}, [str(good)], False, qt_viewer
        )
    assert outcome == ["raised"]
    assert len(seen) == 1 and str(cut) in seen[0].message  # napari showed nothing of it

    # napari's GUI open itself still tells a broken file once and goes on with the drop
    viewer.layers.events.inserted.disconnect(slot)
    viewer.layers.clear()
    with caught_notifications() as seen:
        qt_viewer._qt_open([str(cut), str(good)], stack=False)
    assert len(seen) == 1 and str(cut) in seen[0].message
    assert [ly.name for ly in viewer.layers] == ["good", "good sum"]


def test_a_saved_copy_of_a_sample_is_no_sample(tmp_path):
    # Guard (passes on the parent): the sample's layers say 'xrf_sample' so no save is
    # suggested into the installed package (CubeDock.save_beside); the cube saved with File >
    # Save Selected Layers (our writer writes the Cube's metadata, not the layer's) reopens as
    # the user's own scan, not a sample, so its saves are suggested beside it.
    import h5py

    from xrf_napari._reader import read_layers
    from xrf_napari._sample_data import sample_layers
    from xrf_napari._writer import write_cube_layer
    from xrf_napari.widgets._layers import SAMPLE_KEY

    data, meta, _ = sample_layers("panel")[0]
    assert meta["metadata"][SAMPLE_KEY] == "panel"
    (written,) = write_cube_layer(str(tmp_path / "mine.h5"), data, meta)
    with h5py.File(written, "r") as f:
        assert SAMPLE_KEY not in str(dict(f.attrs))
    reopened = read_layers(written)
    assert [SAMPLE_KEY in m.get("metadata", {}) for _, m, _ in reopened] == [False, False]
    assert reopened[0][1]["metadata"]["path"] == written


class _Cube:
    def __init__(self, metadata):
        self.metadata = metadata


@pytest.mark.parametrize(
    "profile",
    [{"anode": "Mo"}, {"anode": "Mo", "fwhm_mn_ev": 140.0}, {"fwhm_mn_ev": 140.0}],
    ids=["anode", "anode-fwhm", "no-anode"],
)
def test_a_profile_without_kv_says_the_voltage_is_assumed(profile):
    # Before: a file whose metadata profile named the anode but no kV was fitted at
    # InstrumentProfile's 50 kV with no note (the note was kept for files without a profile),
    # so the info line said nothing of the assumed voltage.
    from xrf_napari.analysis.pigment_fit import instrument_for

    inst, notes = instrument_for(_Cube({"profile": dict(profile)}))
    assert inst.kv == 50.0
    assert (
        "50 kV assumed (the file names no tube voltage; --kv, or the panel's Instrument kV)"
        in notes
    )
    # a voltage the profile records, or one given, is no assumption
    inst, notes = instrument_for(_Cube({"profile": dict(profile, kv=35.0)}))
    assert inst.kv == 35.0 and not any("kV assumed" in n for n in notes)
    inst, notes = instrument_for(_Cube({"profile": dict(profile)}), kv=30.0)
    assert inst.kv == 30.0 and not any("kV assumed" in n for n in notes)
