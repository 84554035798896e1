"""Review of lateB66 (session 66): the trainers' --out named like a scan, as quicklook's -o was
(5c391bed)."""

from __future__ import annotations

import pytest

from xrf_napari.cli import train as cli_train


@pytest.mark.parametrize(
    "command, out, more",
    [
        ("generate", "set.zarr", ["--n-cubes", "1"]),
        ("export-set", "set.mca", ["--format", "h5"]),
        ("embedder", "dve.rpl", []),
        ("recolouriser", "uvit.spx", []),
        ("evaluate", "eval.raw", []),
    ],
)
def test_a_trainer_out_named_like_a_scan_is_refused(command, out, more, tmp_path, capsys):
    """5c391bed refused `quicklook X -o out/scan.mca` (a folder named like a scan xrf-napari
    opens) but left the trainers' --out: `generate --out set.zarr` made a folder that reads back
    as a zarr scan. Now refused alike, before any work. Fails on the parent: the folder made,
    or (--data missing) another refusal."""
    data = [] if command == "generate" else ["--data", str(tmp_path / "nosuch")]
    argv = [command, "--out", str(tmp_path / out), *data, *more, "--no-progress"]
    assert cli_train.main(argv) == 2
    err = capsys.readouterr().err
    suffix = out[out.index(".") :]
    assert f"--out {tmp_path / out}: names a scan ({suffix}, an ending xrf-napari opens" in err
    assert f"{command} writes several files into a folder" in err, err
    assert not (tmp_path / out).exists()
