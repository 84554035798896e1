"""Review 41d of helper docks41's napari-side work: the reader's null layer only for napari's own
GUI open (not for a script's viewer.open run inside it), a sample's saved copy no sample, and
the Pigments fit's note on a tube voltage a partial instrument profile leaves out."""

from __future__ import annotations

import pytest


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
    assert "tube voltage not in the metadata: 50 kV assumed" in notes
    # a voltage the profile records, or one given, is no assumption
    inst, notes = instrument_for(_Cube({"profile": dict(profile, kv=35.0)}))
    assert inst.kv == 35.0 and not any("kV assumed" in n for n in notes)
    inst, notes = instrument_for(_Cube({"profile": dict(profile)}), kv=30.0)
    assert inst.kv == 30.0 and not any("kV assumed" in n for n in notes)
