"""Review of session 55's command-line commits (revCC55): recolour's two spellings of one option
(24336da2) read as argparse reads them, a short option's value attached (`-oy.png`) and one
file's two names (`A`, `./A`)."""

from __future__ import annotations

from test_cli55 import _refusal

from xrf_napari.cli import main as cli_main


def test_an_attached_short_value_beside_the_old_spelling_is_refused(tmp_path, capsys):
    """`recolour --out=x.png -oy.png` (argparse reads -oy.png as -o y.png) wrote y.png without a
    word, where `--out=x.png -o y.png` was refused as the same option given two values
    (24336da2). Fails on 24336da2: the run went on (to the missing scan, exit 2 of its own)."""
    x, y = tmp_path / "x.png", tmp_path / "y.png"
    argv = ["recolour", str(tmp_path / "none.h5"), f"--out={x}", f"-o{y}"]
    err = _refusal(cli_main.main, argv, capsys)
    assert err.endswith(
        f"error: --out {x} and -o {y}: the same option (--output), given two different values; "
        "give one"
    ), err


def test_one_file_by_two_names_through_two_spellings_is_taken(tmp_path, monkeypatch, capsys):
    """`--embedder-weights A --embedder ./A` names one file: 24336da2 refused it as "given two
    different values" (it compared the words). Fails on 24336da2: that refusal."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "A.safetensors").write_bytes(b"")
    argv = ["recolour", "none.h5", "-o", "o.png"]
    for spellings in (
        ["--embedder-weights", "A.safetensors", "--embedder", "./A.safetensors"],
        [f"--embedder={tmp_path / 'A.safetensors'}", "--embedder-weights=A.safetensors"],
    ):
        assert cli_main.main([*argv, *spellings]) == 2  # on to the missing scan
        assert "none.h5: no such file" in capsys.readouterr().err
    # a guard: two files are still refused
    err = _refusal(cli_main.main, [*argv, "--embedder-weights", "A", "--embedder", "B"], capsys)
    assert err.endswith("the same option (--embedder), given two different values; give one")


def test_a_training_cube_kept_in_external_raw_files_reads_from_elsewhere(tmp_path, monkeypatch):
    """read_cube_arrays (the trainers', evaluate's ARI pass) read /counts through h5py, which
    looks for a relative external raw file in the working directory: a project file whose counts
    and labels lie in .raw files beside it, which read_cube opens from anywhere, failed "cannot
    read ...: unable to open external raw data file" but from its own folder (before and after
    ad9b5ccf). Fails on 32da7afd: that ValueError."""
    import h5py
    import numpy as np
    from test_hdf44 import _external_scan

    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_N_CHANNELS, canonical_energy
    from xrf_napari.training.data import read_cube_arrays

    counts = (np.arange(3 * 4 * CANONICAL_N_CHANNELS) % 7).astype(np.uint16)
    counts = counts.reshape(3, 4, CANONICAL_N_CHANNELS)
    labels = np.arange(12, dtype=np.int32).reshape(3, 4)
    path = _external_scan(tmp_path / "set", "cube_00000.h5", "counts", "counts.raw", counts)
    labels.tofile(tmp_path / "set" / "labels.raw")
    with h5py.File(path, "a") as f:
        f.attrs["format"] = "xrf-napari/1"
        f.attrs["metadata"] = "{}"
        f["counts"].attrs.update(offset=canonical_energy()[0], gain=CANONICAL_BIN_WIDTH)
        f["counts"].attrs["energy_units"] = "keV"
        f.create_dataset(
            "targets/labels", shape=(3, 4), dtype=np.int32, external=[("labels.raw", 0, 48)]
        )
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    got, got_labels, _ = read_cube_arrays(path)
    np.testing.assert_array_equal(got, counts)
    np.testing.assert_array_equal(got_labels, labels)
