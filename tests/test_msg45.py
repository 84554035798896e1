"""Session 45 leftovers: messages that tell where a file was looked for, --config errors,
refusals before output, a scan given as its own labels."""

import os
from pathlib import Path

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube


def test_a_missing_linked_file_lists_every_place_hdf5_looked(tmp_path, monkeypatch):
    """The message named only 'beside X and in the working directory', though the rule also
    tries an absolute name, $HDF5_EXT_PREFIX and beside a symlinked file's target."""
    h5py = pytest.importorskip("h5py")
    real, elsewhere, prefix, cwd = (tmp_path / n for n in ("real", "link", "pre", "cwd"))
    for d in (real, elsewhere, prefix, cwd):
        d.mkdir()
    gone = tmp_path / "gone" / "frames.h5"
    with h5py.File(real / "master.h5", "w") as f:
        f.create_group("entry/data")["data"] = h5py.ExternalLink(str(gone), "/entry/data")
        f["entry/title"] = np.zeros(3)
    (elsewhere / "master.h5").symlink_to(real / "master.h5")
    monkeypatch.setenv("HDF5_EXT_PREFIX", str(prefix))
    monkeypatch.chdir(cwd)
    with pytest.raises(CubeReadError) as err:
        read_cube(elsewhere / "master.h5")
    text = str(err.value)
    assert f"is a link to {gone}, which is missing" in text
    for place in (gone, prefix / "frames.h5", elsewhere / "frames.h5", real / "frames.h5"):
        assert str(place) in text, place
    assert str(Path(os.getcwd()) / "frames.h5") in text


def _virtual_scan(folder: Path, h5py) -> Path:
    """A (4, 3, 5) virtual cube whose source src.h5 is then removed."""
    folder.mkdir()
    with h5py.File(folder / "src.h5", "w") as f:
        f["d"] = np.arange(60, dtype="f4").reshape(4, 3, 5)
    layout = h5py.VirtualLayout(shape=(4, 3, 5), dtype="f4")
    layout[:] = h5py.VirtualSource("src.h5", "d", shape=(4, 3, 5))
    with h5py.File(folder / "scan.h5", "w") as f:
        f.create_virtual_dataset("cube", layout, fillvalue=0)
    (folder / "src.h5").unlink()
    return folder / "scan.h5"


def test_a_missing_virtual_source_is_told_in_the_external_files_words(tmp_path, monkeypatch):
    """A missing virtual source said '(looked for A or B; ...)' while a missing external raw
    file said 'looked for A beside the file (a symbolic link) and for B beside the file it
    links to': one wording now, from limits.looked_in_both."""
    h5py = pytest.importorskip("h5py")
    path = _virtual_scan(tmp_path / "scans", h5py)
    link = tmp_path / "mine.h5"
    link.symlink_to(path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CubeReadError) as err:
        read_cube(link, dataset="cube", auto_calibrate=False)
    text = str(err.value)
    assert "source file src.h5 is missing" in text
    assert (
        f"looked for {tmp_path / 'src.h5'} beside the file (a symbolic link) and for "
        f"{path.parent / 'src.h5'} beside the file it links to" in text
    )
    assert " or " not in text


@pytest.mark.parametrize("trainer", ["embedder", "recolouriser"])
def test_a_missing_config_is_said_once(tmp_path, monkeypatch, capsys, trainer):
    """'cannot read config missing.yaml: [Errno 2] No such file or directory: 'missing.yaml''
    said the path twice, the second inside Python's errno text."""
    from xrf_napari.cli.train import main

    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    try:
        code = main([trainer, "--data", "data", "--out", "out", "--config", "missing.yaml"])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert "--config missing.yaml: no such file" in err
    assert err.count("missing.yaml") == 1 and "Errno" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "extra, refusal",
    [
        (["--embedder", "nothere.safetensors"], "--embedder nothere.safetensors"),
        (["--config", "odd.json"], "depth must be odd"),
    ],
    ids=["missing-embedder", "invalid-model"],
)
def test_recolouriser_refuses_arguments_before_any_output(
    tmp_path, monkeypatch, capsys, extra, refusal
):
    """A missing --embedder (and an invalid model) was refused after 'device: cpu' had been
    printed and the output folder made: the refusals come first now. Nothing is trained."""
    from xrf_napari.cli.train import main

    (tmp_path / "data").mkdir()
    (tmp_path / "odd.json").write_text('{"model": {"depth": 4}}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["recolouriser", "--data", "data", "--out", "out", "--device", "cpu", *extra])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert refusal in err and "device:" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("how", ["same-path", "hard-link", "symlink"])
def test_pigments_refuses_the_scan_as_its_own_labels(tmp_path, monkeypatch, capsys, how):
    """`pigments scan.tif --labels scan.tif` read the scan, then refused the label map as "128
    images (pages or frames) in one file", not naming the slip. The same file (one path, a hard
    or symbolic link) is refused as the scan itself, before the scan is read."""
    tifffile = pytest.importorskip("tifffile")
    import xrf_napari.cli._args as cli_args
    from xrf_napari.cli.main import main

    def never(*_a, **_k):  # the refusal comes first: nothing of the scan is read
        raise AssertionError("the scan was read")

    monkeypatch.setattr(cli_args, "read_scan", never)
    scan = tmp_path / "scan.tif"
    tifffile.imwrite(scan, np.ones((128, 4, 5), np.uint16))
    labels = scan
    if how == "hard-link":
        labels = tmp_path / "regions.tif"
        os.link(scan, labels)
    elif how == "symlink":
        labels = tmp_path / "regions.tif"
        labels.symlink_to(scan)
    out = tmp_path / "o"
    assert main(["pigments", str(scan), "--labels", str(labels), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--labels {labels} is the scan itself ({scan})" in err, err
    assert not out.exists()
