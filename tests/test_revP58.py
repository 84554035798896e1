"""Review of the pigment fit, session 58: the grounds' own lines cached per ground and tube
(0439bff9) are shared by every later fit, so nothing may write into them."""

import numpy as np
import pytest

import xrf_napari.analysis.pigment_fit as pf


def test_the_cached_ground_lines_are_read_only_and_a_write_leaves_later_fits_alone():
    """`_own_lines` hands every fit the same OwnLines (lru_cache): on 0439bff9 its excited-bin
    mask and each element's sigma x depth matrix were writable, so a caller's `+=` on one would
    have changed the ground's lines of every later fit of that tube without a word. They are
    read-only now (an in-place write raises) and `_under_each` gives the same spectra after the
    attempt as before."""
    from test_pigments52 import PROFILE
    from test_pigperf58 import _paint

    from xrf_napari.physics.layers import ground_layer
    from xrf_napari.physics.spectrum import SpectrumModel

    model = SpectrumModel(PROFILE)
    chalk = ground_layer("chalk", 200.0)
    top = _paint(("Vermilion", 1.0))
    before = pf._under_each(model, [top], [chalk])
    own = pf._own_lines(pf._fine_key(PROFILE), chalk)
    arrays = [own.active] + [a for part in own.parts for a in (part[3], part[4])]
    assert len(own.parts) >= 2 and all(not a.flags.writeable for a in arrays)
    with pytest.raises(ValueError, match="read-only"):
        own.parts[0][4][...] *= 2.0
    with pytest.raises(ValueError, match="read-only"):
        own.active[:] = True
    np.testing.assert_array_equal(pf._under_each(model, [top], [chalk]), before)
    assert before.max() > 0
