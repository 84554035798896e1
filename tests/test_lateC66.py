"""Session 66, helper lateC66: follow-ups of the session's helpers. Pigments names a tube voltage
the file gave but that was set aside, as info and quicklook do; a project file's tube is read
from its metadata JSON only (docs/formats.md says so)."""

from __future__ import annotations

import numpy as np


def _plain_h5(path, **attrs):
    """A plain HDF5 scan (one 3-D dataset, no calibration) with root attributes `attrs`."""
    import h5py

    counts = np.random.default_rng(0).poisson(3, (4, 4, 256)).astype(np.float32)
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=counts)
        f.attrs.update(attrs)
    return path


def test_pigments_says_which_tube_voltage_it_set_aside(tmp_path):
    """An HDF5 whose root kV attribute is 250 (no voltage: set aside): `info` and quicklook said
    so, the pigment fit's note (CLI and Pigments panel) "the file names no tube voltage", which
    a user who sees kV 250 in the metadata cannot square. Fails on the parent: those words."""
    from xrf_napari.analysis.pigment_fit import instrument_for
    from xrf_napari.io import read_cube

    cube = read_cube(_plain_h5(tmp_path / "s.h5", kV=250, anode="Rh"), auto_calibrate=False)
    profile, notes = instrument_for(cube)
    (note,) = [n for n in notes if getattr(n, "assumed", "") == "kv"]
    assert note == (
        f"{profile.kv:g} kV assumed (the file's kV 250 is no tube voltage, neither 5-100 kV nor "
        "5000-100000 V: set aside; --kv, or the panel's Instrument kV)"
    ), note


def test_a_project_files_tube_is_its_metadatas_only(tmp_path):
    """A guard: a project file (format xrf-napari/1) reads its anode and voltage from its
    metadata JSON; root attributes beside it (which the writer never writes) are not read, as
    docs/formats.md says, where a plain HDF5's root kV is."""
    import h5py

    from xrf_napari.detector import kv_from_metadata, named_anode
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    counts = np.ones((2, 2, 64), np.float32)
    path = write_cube(tmp_path / "p.h5", counts, Calibration.canonical(), metadata={"kV": 40})
    with h5py.File(path, "a") as f:
        f.attrs["kV"] = 30
        f.attrs["anode"] = "Mo"
    meta = read_cube(path, auto_calibrate=False).metadata
    assert kv_from_metadata(meta) == 40.0 and named_anode(meta) is None, meta
    plain = read_cube(_plain_h5(tmp_path / "plain.h5", kV=30), auto_calibrate=False).metadata
    assert kv_from_metadata(plain) == 30.0


def test_quicklooks_refusals_name_the_option_as_typed(tmp_path, capsys):
    """`quicklook SCAN -o X` was refused as "--output X: ...", naming an option the user did not
    type (as argparse's own refusals and recolour's --embedder name the one typed). Fails on the
    parent: "--output" both times."""
    from xrf_napari.cli.main import main

    scan = _plain_h5(tmp_path / "s.h5", kV=40)
    mine = tmp_path / "notes.txt"
    mine.write_text("mine", encoding="utf-8")
    assert main(["quicklook", str(scan), "-o", str(mine), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"-o {mine}: is a file, not a folder; quicklook writes several" in err, err
    out = tmp_path / "out"
    (out / "s_sum_spectrum.png").mkdir(parents=True)
    assert main(["quicklook", str(scan), "-o", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "error: -o: cannot write" in err and "--output" not in err, err
    assert main(["quicklook", str(scan), "--output", str(out), "--no-progress"]) == 2
    assert "error: --output: cannot write" in capsys.readouterr().err
