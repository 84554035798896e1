"""Session 62, helper smallB62: argtypes' long numbers and -0, .spx declared encodings, project
HDF5 live times through the generic path."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from xrf_napari.argtypes import float_in, int_in


@pytest.mark.parametrize("text", ["7" * 5000, "-" + "7" * 5000, "7" * 4000])
def test_a_number_of_thousands_of_digits_is_out_of_range_told_short(text):
    with pytest.raises(argparse.ArgumentTypeError) as told:
        int_in(1, 10, "the overlap")(text)
    said = str(told.value)
    assert "out of range" in said and "between 1 and 10" in said
    assert len(said) < 200 and f"({len(text.lstrip('-'))} digits)" in said


def test_a_long_text_that_is_no_number_is_told_short():
    for parse in (int_in(1, 10, "the overlap"), float_in(0, 1)):
        with pytest.raises(argparse.ArgumentTypeError) as told:
            parse("x" * 5000)
        assert len(str(told.value)) < 200


def test_minus_zero_is_zero():
    for text in ("-0", "-0.0", "-0e5"):
        value = float_in(0)(text)
        assert value == 0 and json.dumps(value) == "0.0"


def _spx_named(real_data, tmp_path, name: str, encoding: str):
    """The real M6 .spx (declaring WINDOWS-1252) with its spectrum renamed, saved in `encoding`."""
    text = (real_data / "bruker_m6_jetstream_file_example.spx").read_bytes().decode("ascii")
    out = tmp_path / f"renamed-{encoding}.spx"
    out.write_bytes(text.replace('Name="p 059"', f'Name="{name}"').encode(encoding))
    return out


def test_an_spx_saved_as_utf8_under_a_windows_1252_declaration_reads_its_name(real_data, tmp_path):
    from xrf_napari.io.bruker import read_spx

    utf8 = read_spx(_spx_named(real_data, tmp_path, "Détail €", "utf-8"))
    cp1252 = read_spx(_spx_named(real_data, tmp_path, "Détail €", "cp1252"))
    assert utf8.metadata["name"] == "Détail €" == cp1252.metadata["name"]
    assert (utf8.counts == cp1252.counts).all()


@pytest.mark.parametrize("dataset", ["counts", "/counts"])
def test_a_project_file_named_by_its_counts_dataset_reads_as_by_default(tmp_path, dataset):
    """A project .h5 read with `--dataset counts` went through the generic HDF5 read, which set
    its 0 s live-time pixels aside (with a warning) that the default read keeps (a pixel not
    measured), and read it as format 'hdf5', its saved metadata dropped."""
    import warnings

    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    t = np.full((6, 5), 0.5)
    t[:, 0], t[2, 2] = 1.0, 0.0
    path = tmp_path / "project.h5"
    write_cube(path, np.ones((6, 5, 1024), np.float32), Calibration(0.0, 0.02), live_time=t)
    default = read_cube(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        named = read_cube(path, dataset=dataset)
    assert named.live_time is not None and "live_time_note" not in named.metadata
    assert np.array_equal(np.asarray(named.live_time), np.asarray(default.live_time))
    assert named.metadata == default.metadata and named.calibration == default.calibration
