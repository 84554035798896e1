"""Session 54's lead fixes of what the helpers' reports left."""

from test_calanode48 import ENTRIES, _auto_calibrated


def test_the_spectrum_tooltip_gives_the_tube_advice_once(tmp_path):
    """Fails on the parent: the Spectrum dock's calibration tooltip said "(the file names none: Rh
    by default; --anode (read_cube's anode=) for another tube; matched: ...). If the tube was not
    Rh, ... open the file with its anode (command line --anode, or read_cube(...))": the advice
    twice, in two wordings (d62261cb gave napari's notice its own wording, not this dock's)."""
    from xrf_napari.widgets.spectrum import calibration_origin

    _, tip = calibration_origin(_auto_calibrated(tmp_path, ENTRIES[0]))
    assert "Rh by default" in tip and tip.count("--anode") == 1
