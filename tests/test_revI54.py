"""Session 54, readers (review): a calibration a file holds but cannot give is set aside with a
warning in every format, where an Amptek block of too few points, an EMSA #XUNITS of another
unit, a .bcf axis of another unit and an unreadable #@CHANN line were silent or refused."""

import importlib.machinery
import sys
import types

import numpy as np
import pytest
from test_io52 import _amptek
from test_io54 import _told
from test_spectra39 import COUNTS, _msa

from xrf_napari.io import read_cube, read_spectrum


@pytest.mark.parametrize(
    "block, held",
    [
        ("LABEL - keV\n", "no (channel, energy) point"),
        ("LABEL - eV\n100 1000\n", "1 (channel, energy) point"),
        ("100 1\n", "1 (channel, energy) point"),
        ("LABEL - keV\n100 1\n100 1\n", "2 (channel, energy) points, all at channel 100"),
    ],
)
def test_an_amptek_calibration_of_too_few_points_is_told(tmp_path, block, held):
    """A <<CALIBRATION>> block naming eV or keV over fewer than 2 points opened uncalibrated
    without a word (its sibling, a LABEL naming no energy, is told); two points at one channel
    were fitted anyway (numpy's "Polyfit may be poorly conditioned", gain 0.005 keV)."""
    path = _amptek(tmp_path / "a.mca", block)
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.calibration.source == "none"
    assert told == [
        f"{path}: its <<CALIBRATION>> block holds {held}: a calibration needs points at 2 "
        "channels or more; its <<CALIBRATION>> points set aside"
    ]


@pytest.mark.parametrize(
    "block, gain, told",
    [
        ("Label - eV\n100 1000\n300 3000\n", 0.01, []),  # had warned "name no energy unit"
        ("LABEL -\n100 1\n300 3\n", 0.01, []),  # had taken '100' for the unit: set aside
        (
            "label - Channel\n100 1000\n300 3000\n",
            None,
            [
                "unknown energy units 'Channel' in <<CALIBRATION>> points (expected eV or keV); "
                "its <<CALIBRATION>> points set aside"
            ],
        ),  # had been read as eV, "naming no unit"
    ],
)
def test_an_amptek_label_is_read_in_any_case_on_its_own_line(tmp_path, block, gain, told):
    path = _amptek(tmp_path / "a.mca", block)
    spectrum, said = _told(read_spectrum, path)
    if gain is None:
        assert spectrum.calibration.source == "none"
    else:
        assert spectrum.calibration.gain == pytest.approx(gain)
    assert said == [f"{path}: {t}" for t in told]


def test_an_emsa_xunits_of_another_unit_sets_the_axis_aside(tmp_path):
    """An #XUNITS neither eV nor keV refused the spectrum, where every other format sets its
    calibration aside and opens it uncalibrated; the counts are read as they are."""
    y = _msa(tmp_path / "y.msa", "channel", 1)
    spectrum, told = _told(read_spectrum, y)
    np.testing.assert_array_equal(spectrum.counts, COUNTS)
    assert spectrum.calibration.source == "none"
    assert told == [
        f"{y}: unknown energy units 'channel' in #XUNITS (expected eV or keV); "
        "its #XPERCHAN set aside"
    ]
    xy = tmp_path / "xy.msa"
    xy.write_text(
        "#FORMAT : EMSA/MAS Spectral Data File\n#NPOINTS : 3\n#NCOLUMNS : 2\n#XUNITS : MeV\n"
        "#DATATYPE : XY\n#SPECTRUM :\n0.001, 5\n0.002, 6\n0.003, 7\n#ENDOFDATA :\n",
        encoding="utf-8",
    )
    spectrum, told = _told(read_spectrum, xy)
    assert spectrum.counts.tolist() == [5, 6, 7] and spectrum.calibration.source == "none"
    assert told == [
        f"{xy}: unknown energy units 'MeV' in #XUNITS (expected eV or keV); its X column set aside"
    ]


@pytest.mark.parametrize("line", ["#@CHANN abc 0 1023 1", "#@CHANN 8"])
def test_an_mca_chann_line_that_is_no_numbers_is_told(tmp_path, line):
    """A #@CHANN line of letters (or one number) was passed over without a word, where one whose
    count is no count is told (docs/changes.md, 2026-12-06)."""
    path = tmp_path / "s.mca"
    path.write_text(f"#S 1\n{line}\n#@CALIB 0 0.01 0\n@A 1 2 3 4 5 6 7 8\n", encoding="utf-8")
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.counts.tolist() == list(range(1, 9))
    assert told == [
        f"{path}: its #@CHANN line {line!r} is not 'count first last' numbers, so it is not "
        "used: the counts are read as they are, from channel 0, without checking that the file "
        "holds them all"
    ]


@pytest.fixture
def fake_bcf(tmp_path, monkeypatch):
    """A .bcf 'decoded' by a stand-in for rosettasciio, in this process: its energy axis is
    set by the test (no .bcf reader without rosettasciio here)."""
    from xrf_napari.io import bruker

    axis = {}
    rsciio = types.ModuleType("rsciio")
    rsciio.__spec__ = importlib.machinery.ModuleSpec("rsciio", None)
    sub = types.ModuleType("rsciio.bruker")
    sub.file_reader = lambda path, select_type=None: [
        {"data": np.ones((2, 3, 64), "u2"), "axes": [{}, {}, axis], "metadata": {}}
    ]
    rsciio.bruker = sub
    monkeypatch.setitem(sys.modules, "rsciio", rsciio)
    monkeypatch.setitem(sys.modules, "rsciio.bruker", sub)
    monkeypatch.setattr(bruker, "call_in_child", lambda func, args, *_a, **_k: func(*args))
    path = tmp_path / "m.bcf"
    path.write_bytes(b"\0" * 64)
    return path, axis


@pytest.mark.parametrize("units", ["channel", "mm"])
def test_a_bcf_axis_in_another_unit_is_set_aside(fake_bcf, units):
    """Any .bcf axis unit but "eV" was taken as keV without a word: an axis in channels (scale
    1) opened at 1 keV/channel, within the plausible gains, so kept."""
    path, axis = fake_bcf
    axis.update(offset=0.0, scale=1.0, units=units)
    cube, told = _told(lambda p: read_cube(p, auto_calibrate=False), path)
    assert cube.shape == (2, 3, 64) and cube.calibration.source == "none"
    assert told == [
        f"{path}: unknown energy units {units!r} in the hypermap's energy axis (expected eV or "
        "keV); the hypermap's energy axis set aside"
    ]
    axis.update(offset=-50.0, scale=10.0, units="eV")  # as before
    cube, told = _told(lambda p: read_cube(p, auto_calibrate=False), path)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.05, 0.01))
    assert told == []
