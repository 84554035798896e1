"""Session 63's first-time-user walk-through: what a newcomer read that was not so."""

from __future__ import annotations


def test_quicklook_help_says_the_maps_dock_ticks_every_suggested_element():
    """`quicklook --help` said its default, the first 6 elements suggested, was "as in the
    Elemental maps dock"; the dock pre-ticks every suggested element (19 maps on the sample
    painting, where quicklook made 6). The help now says which does what."""
    import argparse

    from xrf_napari.cli import quicklook_cmd

    parser = argparse.ArgumentParser()
    quicklook_cmd.configure(parser)
    option = next(a for a in parser._actions if "--elements" in a.option_strings)
    words = " ".join(option.help.split())
    assert f"the {quicklook_cmd.DEFAULT_MAX_ELEMENTS} strongest" in words
    assert "as in the Elemental maps dock" not in words
    assert "dock ticks every suggested element" in words
