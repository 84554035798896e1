"""Session 64 review: the S map's note under a Mo tube (analysis.maps)."""

import numpy as np

from xrf_napari.analysis import maps as M


def test_s_note_under_a_mo_tube_says_how_far_off_and_what_to_do():
    """The note on S under a Mo tube told a conservator only that the map "can read the tube's
    scatter as S and S as scatter", with one figure (S-free lead white about -50 %); vermilion's
    S read 1.4 times its counts and lead white with vermilion up to 2.2 times, unsaid. It now says
    how far off sulfur reads either way and to check it under a Rh tube."""
    from xrf_napari.cube import cube_from_array
    from xrf_napari.physics.instrument import InstrumentProfile

    p = InstrumentProfile(anode="Mo", kv=20.0)
    cube = cube_from_array(
        np.ones((1, 1, p.n_channels), np.float32),
        p.calibration,
        profile={"fwhm_mn_ev": 150.0, "anode": "Mo"},
    )
    plans, _ = M.plan_for_cube(cube, ["S"], present={"S", "Pb", "Hg"}, kv=20.0)
    note = plans[0].note
    assert "reads S only roughly" in note
    assert "vermilion 1.4 times its sulfur" in note
    assert "under a Rh tube" in note
