"""Leftovers of session 40's CLI audit (`xrf-napari info | pigments`, `xrf-napari-train generate |
export-set`), one test per fix, on tiny cubes written here: no model is trained or run."""

import json

import numpy as np
import pytest

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube

#: A generated cube's instrument: 2048 channels of 15 eV, binned to the canonical 512 of 50 eV.
PROFILE = {"anode": "Rh", "kv": 40.0, "n_channels": 2048, "offset": -0.02, "gain": 0.015}


# -- 1. info: the generator's profile beside the stored calibration ------------------------------
def test_info_says_a_synthetic_cubes_profile_is_the_simulated_instrument(tmp_path, capsys):
    """`info` on a generated cube (the painting sample) printed the stored 512 channels at 50 eV
    and, under metadata, a `profile` of 2048 channels at 15 eV, with nothing saying which was the
    file's: two calibrations that read as a contradiction. The profile's heading now says it is
    the simulated instrument before binning to the stored channels (`metadata_notes` in JSON);
    a cube stored at the profile's own channels (generate --native) gets no such note."""
    counts = np.ones((4, 4, 512), np.uint16)
    meta = {"generator": "xrf-napari-synth/3", "profile": PROFILE}
    canon = write_cube(tmp_path / "canon.h5", counts, Calibration(1.025, 0.05), metadata=meta)
    assert main(["info", str(canon)]) == 0
    out = capsys.readouterr().out
    assert "E = 1.02500 + 0.050000 ch keV" in out
    head = next(line for line in out.splitlines() if line.strip().startswith("profile"))
    assert "simulated instrument" in head and "binned to the 512 channels stored" in head
    assert main(["info", str(canon), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert "binned to the 512 channels stored" in info["metadata_notes"]["profile"]
    assert info["metadata"]["profile"]["n_channels"] == 2048  # the file's metadata, unchanged

    native = np.ones((4, 4, 2048), np.uint16)
    nat = write_cube(tmp_path / "nat.h5", native, Calibration(-0.02, 0.015), metadata=meta)
    assert main(["info", str(nat), "--json"]) == 0
    assert "metadata_notes" not in json.loads(capsys.readouterr().out)
    assert main(["info", str(nat)]) == 0
    assert "\n    profile:\n" in capsys.readouterr().out


# -- 2. which tube the automatic calibration assumed, and why -------------------------------------
def test_automatic_calibration_says_where_its_tube_comes_from():
    """A file with no calibration and no anode: the calibration said "assuming a Rh tube" (info
    only as metadata "anode: Rh") while Pigments on the same file said "Mo estimated from the
    spectra", and nothing told that Rh was only a default, nor how to change it. The notes of
    Pigments and `info` now say where the calibration's tube came from (the file, --anode, or the
    Rh default) and how to give another."""
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.cube import cube_from_array
    from xrf_napari.physics.instrument import InstrumentProfile

    auto = {"residual_ev_rms": 3.0, "matched": ["Fe Ka ch 667.9"], "anode": "Rh"}
    cal = Calibration(-0.008, 0.0096, source="auto")
    bare = cube_from_array(np.ones((2, 2, 512), np.float32), cal, auto_calibration=auto)
    notes = pf.calibration_notes(bare, InstrumentProfile(anode="Mo"))
    assert (
        "assuming the Rh anode's lines among its peaks (the file names none: Rh by default; "
        "--anode" in notes[0]
    )
    assert notes[1].startswith("contradiction: the fit's anode is Mo")
    from xrf_napari.cli.info_cmd import calibration_tube

    assert calibration_tube(bare)["origin"].startswith("the file names none: Rh by default")
    assert calibration_tube(bare, "Rh")["origin"].startswith("given with --anode")
    # another tube given than the one it assumed (a saved calibration kept): not its origin
    assert calibration_tube(bare, "Mo")["origin"].startswith("the file names none: Rh by default")
    named = cube_from_array(
        np.ones((2, 2, 512), np.float32), cal, auto_calibration=dict(auto, anode="W"), anode="W"
    )
    assert calibration_tube(named) == {"anode": "W", "origin": "the anode the file names"}
    assert "(the anode the file names)" in pf.calibration_notes(named, InstrumentProfile())[0]


def test_napari_notification_says_where_the_calibrations_tube_comes_from(monkeypatch):
    """The notification napari shows when it calibrates a file automatically said "assuming a Rh
    tube" and not that Rh was only the default for a file naming no anode."""
    from xrf_napari import _reader
    from xrf_napari.cube import cube_from_array

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda text, **_: told.append(text))
    auto = {"residual_ev_rms": 3.0, "matched": ["Fe Ka ch 667.9"], "anode": "Rh"}
    cal = Calibration(-0.008, 0.0096, source="auto")
    cube = cube_from_array(np.ones((2, 2, 512), np.float32), cal, auto_calibration=auto)
    _reader._tell_calibration(cube, [])
    assert "assuming a Rh tube (the file names none: Rh by default;" in told[0]
    assert "--anode" not in told[0]  # napari has no command line (test_anodemsg54)


def test_info_names_the_tube_an_automatic_calibration_assumed(real_data, capsys):
    """The APS scan (no calibration, no anode): `info` printed "source: auto" and, deep in the
    metadata, "anode: Rh"; it now prints the tube assumed and that it is the default."""
    aps = real_data / "aps_xrfmaps_2xfm_0011.h5"
    assert main(["info", str(aps)]) == 0
    out = capsys.readouterr().out
    assert "tube assumed: Rh (the file names none: Rh by default; --anode" in out
    assert main(["info", str(aps), "--anode", "Mo", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)["calibration_anode"]
    assert said == {"anode": "Mo", "origin": "given with --anode"}


# -- 5. generate --split without --images ---------------------------------------------------------
def _generate(out, *extra):
    from xrf_napari.cli.train import main as train_main

    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--workers", "1"]
    return train_main([*argv, "--no-progress", *extra])


def test_generate_split_without_images_is_not_recorded(tmp_path, capsys):
    """`generate --split test` of procedural paintings (or panels) chose nothing, yet the manifest
    and every cube recorded `split: "test"`, as if the cubes were held-out paintings. It is now
    null there, a note says --split does not apply, and a set made before (its manifest saying
    "test") still resumes with the same command."""
    import h5py

    out = tmp_path / "set"
    assert _generate(out, "--split", "test") == 0
    assert "--split test chooses among --images files" in capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["split"] is None
    with h5py.File(out / "cube_00000.h5", "r") as f:
        assert json.loads(f.attrs["metadata"])["split"] is None
    # an older set of the same options, whose manifest recorded the split it ignored, resumes
    manifest["split"] = "test"
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _generate(out, "--split", "test") == 0  # not refused as "split 'test' there"
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["split"] is None


# -- 4. generate's free-space check: compressed cubes ----------------------------------------------
def _disk(monkeypatch, free):
    """shutil.disk_usage reporting `free` bytes (a function of nothing: the disk as it is now)."""
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(2**40, 0, free()))


def test_generate_asks_room_for_cubes_as_they_compress(tmp_path, monkeypatch, capsys):
    """generate asked room for each cube's arrays uncompressed, 4-18 times the gzipped file it
    writes, and refused disks with room for the set (a 64 px cube on a 12 MiB disk). Before the
    manifest it now asks half the counts' bytes (uint16; no cube exists to measure yet), and
    before each cube's write its counts' compression measured on a sample of its chunks, which
    stays above the file written; a disk without that room is still refused, before HDF5."""
    from _synth_cubes import few_cluster_counts

    from xrf_napari.fileutil import FREE_SPACE_MARGIN

    few_cluster_counts(monkeypatch)  # the regions' count is not what is checked
    out = tmp_path / "set"
    raw = 32 * 32 * (512 * 2 + 3 + 3 + 4)  # counts (uint16), rgb, palette, labels
    _disk(monkeypatch, lambda: FREE_SPACE_MARGIN + raw * 2 // 3)
    assert _generate(out, "--size", "32") == 0, capsys.readouterr().err
    import h5py

    from xrf_napari.synth.dataset import stored_counts_bytes

    path = out / "cube_00000.h5"
    with h5py.File(path, "r") as f:
        estimate = stored_counts_bytes(f["counts"][()]) + 32 * 32 * 10
    assert path.stat().st_size < estimate < raw // 2

    # the measured check still refuses a cube the disk cannot take
    full = tmp_path / "full"
    _disk(
        monkeypatch,
        lambda: FREE_SPACE_MARGIN + (1000 if (full / "manifest.json").exists() else raw),
    )
    assert _generate(full, "--size", "32") == 2
    err = capsys.readouterr().err
    assert "cube_00000.h5" in err and "compression measured" in err
    assert not (full / "cube_00000.h5").exists()


# -- 6. export-set rerun ---------------------------------------------------------------------------
def test_export_set_rerun_keeps_cubes_exported_from_the_same_sources(tmp_path, capsys):
    """export-set run again into the same --out rewrote every cube and sidecar (gigabytes of .raw
    for a finished export). A cube whose sidecar records the same format, the same source files'
    SHA-256 and its cube files' present sizes is now kept; a cube whose source changed, or whose
    .raw is gone, is written again."""
    import shutil

    from xrf_napari.cli.train import main as train_main

    data = tmp_path / "set"
    assert _generate(data, "--n-cubes", "2") == 0
    out = tmp_path / "export"
    argv = ["export-set", "--data", str(data), "--format", "all", "--out", str(out)]
    assert train_main([*argv, "--no-progress"]) == 0
    capsys.readouterr()

    def stamps():
        return {
            p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in out.rglob("cube_*")
        }

    before = stamps()
    assert len(before) == 2 * (2 + 3 + 3)  # h5 + sidecar, rpl + raw + sidecar twice, per cube
    assert train_main([*argv, "--no-progress"]) == 0
    said = capsys.readouterr().out
    assert stamps() == before
    assert said.count("wrote 0 ") == 3 and "kept 2 already exported" in said
    for fmt in ("rpl", "rpl-nocal", "h5"):  # the finished export lists every cube
        listed = json.loads((out / fmt / "export.json").read_text(encoding="utf-8"))["cubes"]
        assert listed == [f"cube_0000{i}.{'h5' if fmt == 'h5' else 'rpl'}" for i in range(2)]

    shutil.copyfile(data / "cube_00000.h5", data / "cube_00001.h5")  # another cube 1, same name
    (out / "rpl" / "cube_00000.raw").unlink()
    assert train_main([*argv, "--no-progress"]) == 0
    after = stamps()
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert changed == sorted(
        ["rpl/cube_00000.raw", "rpl/cube_00000.rpl", "rpl/cube_00000.targets.npz"]
        + [f"{f}/cube_00001.{s}" for f in ("rpl", "rpl-nocal") for s in ("rpl", "raw")]
        + [f"{f}/cube_00001.targets.npz" for f in ("rpl", "rpl-nocal", "h5")]
        + ["h5/cube_00001.h5"]
    )


# -- 3. exit status: a write failure is an error (2), as bad input and usage ----------------------
@pytest.mark.parametrize(
    "command", ["quicklook", "embed", "recolour", "pigments", "generate", "export-set"]
)
def test_every_command_exits_2_when_its_output_cannot_be_written(tmp_path, command, capsys):
    """The convention the user guide now states: 2 for a usage error, an input that cannot be
    used and an output that cannot be written (here: a folder inside a file), one `error:` line
    naming the path; 1 only for out of memory and quicklook's spectrum without maps."""
    from xrf_napari.cli.train import main as train_main

    scan = write_cube(tmp_path / "scan.h5", np.ones((4, 4, 512), np.uint16), Calibration(1, 0.05))
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / ("x.png" if command == "recolour" else "out")
    if command in ("generate", "export-set"):
        data = tmp_path / "set"
        (data).mkdir()
        argv = {
            "generate": ["generate", "--n-cubes", "1", "--size", "16", "--out", str(out)],
            "export-set": ["export-set", "--data", str(data), "--format", "h5", "--out", str(out)],
        }[command]
        code = train_main([*argv, "--no-progress"])
    else:
        code = main([command, str(scan), "-o", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    option = "--out" if command in ("generate", "export-set") else "-o"  # named as typed (lateE66)
    said = f"{command}: error: {option}: "
    assert f"{said}cannot write {out}" in err and "not a folder" in err
