"""The thin docks, session 49: their notes in a conservator's words, and their state after the
user switches scans, deletes result layers or cancels jobs."""

from __future__ import annotations


def test_maps_stale_note_says_an_unknown_kv_as_the_command_line_does():
    """A kV neither the file nor the Instrument row names read "no kV named" in Elemental maps'
    stale line, where quicklook says "kV unknown" and the row "kV: file's (none)"."""
    from xrf_napari.widgets.maps import _instrument_words

    words = _instrument_words({"kv": None, "optic_cutoff_kev": None, "atmosphere": "air"}, ["kv"])
    assert words == ["an unknown kV"]
