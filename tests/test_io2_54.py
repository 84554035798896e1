"""Session 54, readers (io2): an EMSA axis that can be none is set aside as in every format (it
refused the spectrum), in every reader's words for a unit; a .mca #@CHANN first channel that is
no channel number warns (it refused the file)."""

import numpy as np
import pytest
from test_io54 import _told
from test_io_ripple import write_ripple
from test_spectra39 import COUNTS, _msa

from xrf_napari.io import read_cube, read_spectrum


def _xy(path, xunits: str, xs) -> object:
    head = "#FORMAT : EMSA/MAS Spectral Data File\n#NCOLUMNS : 2\n#DATATYPE : XY\n"
    body = "".join(f"{x}, {c}\n" for x, c in zip(xs, COUNTS[: len(xs)]))
    path.write_text(
        head
        + (f"#XUNITS : {xunits}\n" if xunits else "")
        + "#SPECTRUM :\n"
        + body
        + "#ENDOFDATA :\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "make, why",
    [
        (
            lambda p: _msa(p, "keV", "abc"),
            "invalid #XPERCHAN/#OFFSET: could not convert string to float: 'abc'; its #XPERCHAN",
        ),
        (
            lambda p: _msa(p, "keV", 0),
            "#OFFSET/#XPERCHAN [0, 0]: gain 0 is not positive: the energy must rise with the "
            "channel; its #XPERCHAN",
        ),
        (  # without #XUNITS: told it is no gain, not that it "fits neither unit"
            lambda p: _msa(p, "", -0.01),
            "#OFFSET/#XPERCHAN [0, -0.01]: gain -0.01 is not positive: the energy must rise with "
            "the channel; its #XPERCHAN",
        ),
        (
            lambda p: _xy(p, "keV", [0.01, 0.03, 0.02, 0.04]),
            "energy axis must be finite and strictly increasing; its X column",
        ),
        (
            lambda p: _xy(p, "", [40.0, 30.0, 20.0, 10.0]),
            "energy axis must be finite and strictly increasing; its X column",
        ),
        (
            lambda p: _msa(p, "", 2e-5),
            "no #XUNITS, and its energy axis (#OFFSET 0, #XPERCHAN 2e-05, last channel at "
            "0.0051) fits an X-ray spectrum in neither keV (1-200 keV at the last channel, "
            "0.0001-1 keV/channel) nor eV: add '#XUNITS : keV' or '#XUNITS : eV' to the header; "
            "its #XPERCHAN",
        ),
    ],
)
def test_an_emsa_axis_that_can_be_none_is_set_aside(tmp_path, make, why):
    """An #XPERCHAN that is no number or no gain, an X column that does not increase, an axis
    without #XUNITS fitting neither unit: each refused the spectrum, whose counts are fine,
    where every other format sets its calibration aside with a warning naming the file."""
    path = make(tmp_path / "s.msa")
    spectrum, told = _told(read_spectrum, path)
    n = len(spectrum.counts)
    np.testing.assert_array_equal(spectrum.counts, COUNTS[:n])
    assert n in (4, COUNTS.size)
    assert spectrum.calibration.source == "none"
    assert "xunits_inferred" not in spectrum.metadata
    assert told == [f"{path}: {why} set aside"]


@pytest.mark.parametrize(
    "field, where",
    [
        ("#XUNITS : channel\n#XPERCHAN : 1", "#XUNITS"),
        ("#XPERCHAN -channel: 1", "the unit suffix of #XPERCHAN"),
    ],
)
def test_an_emsa_unit_is_told_in_every_readers_words(tmp_path, field, where):
    """ "unsupported #XUNITS 'channel' (eV or keV)", where the other formats say "unknown energy
    units 'x' in ... (expected eV or keV)" (calibration.energy_unit)."""
    from xrf_napari.io.calibration import energy_unit

    path = tmp_path / "s.msa"
    path.write_text(
        f"#FORMAT : EMSA/MAS Spectral Data File\n#DATATYPE : Y\n{field}\n#SPECTRUM :\n"
        "1, 2, 3, 4\n#ENDOFDATA :\n",
        encoding="utf-8",
    )
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.counts.tolist() == [1, 2, 3, 4] and spectrum.calibration.source == "none"
    with pytest.raises(ValueError) as other:
        energy_unit("channel", path, where)
    assert told == [f"{other.value}; its #XPERCHAN set aside"]


@pytest.mark.parametrize("first", ["0.5", "-1", "1e30"])
@pytest.mark.parametrize("calib", [False, True])
def test_an_mca_first_channel_that_is_no_channel_number_warns(tmp_path, first, calib):
    """`#@CHANN 8 0.5 7.5 1` refused the file ("#@CHANN first channel must be an integer"),
    where a count that is no count only warns: the counts are read in their order; a #@CALIB,
    in channels counted from the first, cannot be placed and is set aside."""
    path = tmp_path / "s.mca"
    path.write_text(
        f"#S 1\n#@CHANN 8 {first} 7 1\n"
        + ("#@CALIB 0 0.01 0\n" if calib else "")
        + "@A 1 2 3 4 5 6 7 8\n",
        encoding="utf-8",
    )
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.counts.tolist() == list(range(1, 9))
    assert spectrum.calibration.source == "none"
    why = f"{path}: its #@CHANN first channel {float(first):.15g} is no channel number"
    why += " (a whole number)"
    outcome = (
        "; its #@CALIB line, in channels from the first, set aside"
        if calib
        else ": it is not used, the counts are read as they are"
    )
    assert told == [why + outcome]


def test_an_mca_channel_column_places_the_calibration_of_an_unusable_first_channel(tmp_path):
    path = tmp_path / "s.mca"
    rows = "".join(f"{100 + i} {c}\n" for i, c in enumerate(range(1, 9)))
    path.write_text(f"#@CHANN 8 0.5 7.5 1\n#@CALIB 0 0.01 0\n{rows}", encoding="utf-8")
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.counts.tolist() == list(range(1, 9))
    assert spectrum.energy[0] == pytest.approx(1.0)  # channel 100 at 0.01 keV/channel
    assert len(told) == 1 and "its channel column places its #@CALIB calibration" in told[0]

