"""Session 54, readers (io2): an EMSA axis that can be none is set aside as in every format (it
refused the spectrum), in every reader's words for a unit; a .mca #@CHANN first channel that is
no channel number warns (it refused the file); a .h5 saved from a ripple scan keeps that scan's
notes as the source's, not as its own."""

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
            lambda p: _xy(p, "", [40.0, 39.0, 38.0, 10.0]),  # evenly: read rising (lateA67)
            "energy axis falls from 40 to 10 over the channels (highest energy first), where it "
            "must rise with them; its X column",
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


def test_a_saved_ripple_scan_keeps_its_notes_as_the_sources(tmp_path, capsys):
    """A .h5 saved from a ripple scan kept its byte_order_note, raw_size_note and
    calibration_note at the top of its metadata: opened again, `info` (and the calibration's
    tooltip, the fit's notes) showed, as said of the .h5, advice about the .rpl header ("set
    'byte-order big-endian' in the header"). They are kept under source_notes, with the
    source's name."""
    from xrf_napari._writer import write_cube_layer
    from xrf_napari.cli.main import main

    counts = np.random.default_rng(54).integers(1, 200, size=(3, 2, 16)).astype(np.uint16)
    rpl = write_ripple(tmp_path, counts, byte_order="big-endian")
    header = rpl.read_text(encoding="utf-8").replace("big-endian", "dont-care")
    rpl.write_text(header + "depth-scale\t0.01\ndepth-units\tmm\n", encoding="utf-8")
    with open(rpl.with_suffix(".raw"), "ab") as fh:
        fh.write(b"\1\2\3")
    cube, _ = _told(lambda p: read_cube(p, auto_calibrate=False), rpl)
    notes = {k: v for k, v in cube.metadata.items() if k.endswith("_note")}
    assert sorted(notes) == ["byte_order_note", "calibration_note", "raw_size_note"]
    assert "in the header" in notes["byte_order_note"]
    layer = (
        np.moveaxis(np.asarray(cube.data), -1, 0),
        {"name": "s", "metadata": {"xrf_cube": cube}},
    )
    (out,) = write_cube_layer(str(tmp_path / "saved.h5"), *layer)
    saved = read_cube(out, auto_calibrate=False)
    assert not [k for k in saved.metadata if k.endswith("_note")]
    layout = {k: cube.metadata[k] for k in ("record_by", "byte_order", "header", "data_file")}
    assert saved.metadata["source_notes"] == {"file": str(rpl), **notes, **layout}
    assert saved.metadata["saved_from"] == str(rpl)
    assert main(["info", out, "--no-auto-calibration"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert "    source_notes:" in shown and f"      file: {rpl}" in shown
    assert not [ln for ln in shown if ln.startswith("    byte_order_note")]
    # saved again: the first source's notes go with the second's
    saved.metadata["metadata_note"] = "a note on saved.h5"
    again = (
        np.moveaxis(np.asarray(saved.data), -1, 0),
        {"name": "t", "metadata": {"xrf_cube": saved}},
    )
    (out2,) = write_cube_layer(str(tmp_path / "again.h5"), *again)
    assert read_cube(out2, auto_calibrate=False).metadata["source_notes"] == {
        "file": out,
        "metadata_note": "a note on saved.h5",
        "source_notes": {"file": str(rpl), **notes, **layout},
    }


def test_an_mca_energy_column_is_not_shifted_by_the_first_channel(tmp_path):
    """`energy count` rows under `#@CHANN 4 50 53 1`: the column's energies (1.00-1.03 keV)
    were read 50 channels on (1.50-1.53 keV), its per-row calibration shifted as a #@CALIB's."""
    path = tmp_path / "e.mca"
    path.write_text("#@CHANN 4 50 53 1\n1.0 5\n1.01 6\n1.02 7\n1.03 8\n", encoding="utf-8")
    spectrum = read_spectrum(path)
    np.testing.assert_allclose(spectrum.energy, [1.0, 1.01, 1.02, 1.03], atol=1e-9)


def test_an_mca_energy_column_that_does_not_increase_is_set_aside(tmp_path):
    """It refused the file, whose counts are fine, where every format sets such an axis aside."""
    path = tmp_path / "d.mca"
    path.write_text("1.03 5\n1.02 6\n1.01 7\n0.5 8\n", encoding="utf-8")  # evenly: read rising
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.counts.tolist() == [5, 6, 7, 8] and spectrum.calibration.source == "none"
    assert told == [
        f"{path}: energy axis falls from 1.03 to 0.5 over the channels (highest energy first), "
        "where it must rise with them; its energy column set aside"
    ]
