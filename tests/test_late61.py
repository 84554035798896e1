"""Session 61 (late61): maps' notes for Pb beside As under low-kV tubes, and the message of a
window narrower than a channel naming controls that exist."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


@pytest.mark.parametrize("kv", [14.5, 15.0])  # below 14.3 kV Pb is mapped by M-alpha (maps63)
def test_pb_beside_as_lbeta_below_l2_edge_says_weak(kv):
    """Under 13.04-15.2 kV (Pb L3 to L2 edge) the L-beta map beside As reads only L-beta2,15:
    the note said nothing of it (forward model: 0.18 of lead white's L-alpha counts)."""
    line, note = M.choose_lines(["Pb"], {"Pb", "As"}, 1.0, 40.0, kv=kv)["Pb"]
    assert line.family == "Lb"
    assert "L2M4" in note and "L2 edge (15.20 keV)" in note and "weak map" in note
    for high in (16.0, 50.0, None):
        assert "weak map" not in M.choose_lines(["Pb"], {"Pb", "As"}, 1.0, 40.0, kv=high)["Pb"][1]


def _cube(gain=0.01, n=4096):
    return cube_from_array(np.ones((1, 1, n), np.float32), Calibration(offset=0.0, gain=gain))


def test_unexcited_note_names_overlap_of_line_it_proposes():
    """Under 12 kV no Pb L line is excited; the note sent Pb to M-alpha, on S K-alpha (35 eV
    away): beside orpiment (As2S3) that map read orpiment alone as 0.81 of lead white's Pb. (Auto
    maps Pb by M-alpha there, fitted beside S, since maps62, and so does M-alpha chosen since
    session 65: the note says it is fitted, no overlap.)"""
    plans, _ = M.plan_for_cube(_cube(), ["Pb", "As", "S"], kv=12.0, lines={"Pb": "Lb"})
    assert "Pb M\u03b1 is excited: choose it" in plans[0].note
    assert "which maps Pb by it fitted beside S" in plans[0].note
    assert "overlaps it" not in plans[0].note
    plans, _ = M.plan_for_cube(_cube(), ["Pb", "As", "Cu"], kv=12.0, lines={"Pb": "Lb"})
    said = (  # emerald green: no S
        "Pb M\u03b1 is excited: choose it (the Elemental maps panel's Line column; quicklook has "
        "no choice of line)"
    )
    assert plans[0].note.endswith(said)


def test_window_narrower_than_channel_names_existing_controls():
    """The message told every caller to use --fwhm, which quicklook lacks."""
    with pytest.raises(ValueError, match="narrower than a channel") as e:
        M.plan_for_cube(_cube(gain=0.7, n=64), ["Fe"])
    msg = str(e.value)
    assert "Elemental maps panel's FWHM box" in msg and "pigments command's --fwhm" in msg
    assert "quicklook has no such option" in msg
