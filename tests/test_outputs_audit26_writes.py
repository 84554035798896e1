"""Outputs audit 26 (/work/runs26/audit_out/report.md), the writers: quicklook removes only its
own earlier files (1); Save maps and Embed's Save are all-or-nothing (2); a scan path that is not
UTF-8 or holds a line break is written printable (4); cluster_spectra.csv counts channels for an
uncalibrated scan, in one layout from the CLI and the dock (6); report colours are rounded (10);
a failed write names its file and leaves no folder it made (11)."""

import errno
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from _napari_helpers import (
    cluster_with_tiny_dve,
    open_cube,
    painted_counts,
    tiny_weights,
    write_painted_cube,
)

from xrf_napari.cli.main import main


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("w26") / "painted.h5")


@pytest.fixture(scope="module")
def dve(tmp_path_factory):
    return tiny_weights(tmp_path_factory.mktemp("w26m"))[0]


def _hex(pixel) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in pixel)


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _full_disk(*_a, **_k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _copy_as(painted, folder: Path, raw_name: bytes) -> Path:
    """The painted scan under a file name given as bytes (not UTF-8, or with a line break)."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), raw_name)))
    shutil.copy(painted, path)
    return path


def _dock_save(scan, folder, elements, edit=None) -> list[Path]:
    """The Elemental maps dock's Save maps (save_element_maps, its default mark) of `elements`,
    the map of `edit` changed by hand first."""
    from xrf_napari.analysis.export import save_element_maps
    from xrf_napari.cli.quicklook_cmd import choose_maps
    from xrf_napari.io import read_cube

    cube = read_cube(scan)
    _, _, plans, maps = choose_maps(cube, elements)
    if edit:
        maps[edit] = np.array(maps[edit])
        maps[edit][:5] = 0
    return save_element_maps(folder, cube.name, plans, maps, inputs=[scan])


def _embed(scan, out, dve, k: int = 3) -> int:
    argv = ["embed", str(scan), "-o", str(out), "--weights", str(dve), "--device", "cpu"]
    return main([*argv, "-k", str(k), "--no-progress"])


# -- 1. quicklook removes only what an earlier quicklook wrote ------------------------------------
def test_quicklook_leaves_the_maps_the_dock_saved(painted, tmp_path, capsys):
    """A quicklook into a folder where the dock had saved maps (one edited) deleted them all,
    TIFFs and table, even without --tiff: the names alone cannot tell the two apart."""
    out = tmp_path / "maps"
    _dock_save(painted, out, ["Fe", "Cu", "Ca"], edit="Cu")
    saved = _contents(out)
    ql = ["quicklook", str(painted), "-o", str(out), "--no-progress", "--elements", "Fe"]
    assert main(ql) == 0
    now = _contents(out)
    assert {n: now.get(n) for n in saved} == saved  # every saved file, byte for byte
    assert main([*ql, "--tiff"]) == 0  # replaces the Fe map and the table, by name only
    now = _contents(out)
    kept = [n for n in saved if n.endswith(".tif") and "_Fe_" not in n]
    assert len(kept) == 2 and all(now.get(n) == saved[n] for n in kept)
    assert "removed" not in capsys.readouterr().err


def test_quicklook_without_tiff_keeps_its_tiffs_and_table(painted, tmp_path):
    """A run without --tiff deleted the values an earlier quicklook --tiff wrote, which it did
    not replace; a run with --tiff still replaces the earlier set."""
    out = tmp_path / "look"
    ql = ["quicklook", str(painted), "-o", str(out), "--no-progress", "--elements"]
    assert main([*ql, "Fe,Cu", "--tiff"]) == 0
    values = {n: b for n, b in _contents(out).items() if n.endswith((".tif", ".csv"))}
    assert len(values) == 3
    assert main([*ql, "Cu"]) == 0
    now = _contents(out)
    assert "painted_Fe_Ka.png" not in now  # its own earlier preview goes
    assert {n: now.get(n) for n in values} == values
    assert main([*ql, "Cu", "--tiff"]) == 0
    assert {p.name for p in out.iterdir()} == {
        "painted_sum_spectrum.png",
        "painted_Cu_Ka.png",
        "painted_Cu_Ka.tif",
        "painted_maps.csv",
    }


# -- 2. Save maps and Embed's Save: all or nothing ------------------------------------------------
def test_save_maps_is_all_or_nothing(painted, tmp_path, monkeypatch):
    """A full disk at the second TIFF left the first one edited beside the earlier table."""
    import tifffile

    out = tmp_path / "maps"
    _dock_save(painted, out, ["Fe", "Cu"])
    before = _contents(out)
    real, calls = tifffile.imwrite, []

    def fills_up(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            _full_disk()
        return real(*args, **kwargs)

    monkeypatch.setattr(tifffile, "imwrite", fills_up)
    with pytest.raises(OSError):
        _dock_save(painted, out, ["Fe", "Cu", "Ca"], edit="Fe")
    assert _contents(out) == before


def test_embed_dock_save_is_all_or_nothing(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """The labels image was replaced first, then the CSV failed: new regions, old spectra."""
    import xrf_napari.analysis.export as export

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path)
    out = tmp_path / "out"
    embed.save(out / "regions.png")
    before = _contents(out)
    (layer,) = [ly for ly in viewer.layers if ly.name.startswith("clusters")]
    edited = np.array(layer.data)
    edited[: edited.shape[0] // 2] = 1  # the user repaints half the scan
    layer.data = edited
    monkeypatch.setattr(export, "save_spectra_csv", _full_disk)
    with pytest.raises(OSError):
        embed.save(out / "regions.png")
    assert _contents(out) == before


# -- 4. names that are not UTF-8, or hold a line break -------------------------------------------
def test_printable_names():
    from xrf_napari.fileutil import printable

    latin1 = os.fsdecode(b"/scans/pintur\xe9.h5")
    assert printable(latin1) == printable(Path(latin1)) == "/scans/pintur\\xe9.h5"
    assert printable("two\nlines\t.h5") == "two\\nlines\\t.h5"
    assert printable("pinturé α <b>") == "pinturé α <b>"  # valid Unicode stays as it is
    assert printable("\ud800") == "\\ud800"


def test_quicklook_of_a_name_that_is_not_utf8(painted, tmp_path, capsys):
    """The plot title raised a TypeError traceback after the maps were computed."""
    scan = _copy_as(painted, tmp_path, b"pintur\xe9.h5")
    out = tmp_path / "ql"
    ql = ["quicklook", str(scan), "-o", str(out), "--tiff", "--elements", "Fe", "--no-progress"]
    assert main(ql) == 0
    (table,) = out.glob("*_maps.csv")
    assert "pintur\\xe9" in table.read_text(encoding="utf-8").splitlines()[0]
    assert "pintur\\xe9_sum_spectrum.png" in capsys.readouterr().out
    assert len(list(out.iterdir())) == 4


@pytest.mark.parametrize("raw", [b"pintur\xe9.h5", b"two\nlines.h5"], ids=["latin1", "newline"])
def test_embed_of_an_odd_name_writes_it_printable(painted, dve, tmp_path, raw):
    """Not UTF-8: embedded and clustered, then the h5 attribute failed and nothing was written.
    A line break split the CSV's comment line, so pandas or np.loadtxt read a broken table."""
    scan = _copy_as(painted, tmp_path, raw)
    out = tmp_path / "emb"
    assert _embed(scan, out, dve) == 0
    lines = (out / "cluster_spectra.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("# pixels per cluster: cluster_1=")
    assert lines[2] == "# tube anode: Rh"  # the sample's tube (save_spectra_csv's anode)
    assert lines[3].startswith("energy_keV,cluster_1")
    table = np.loadtxt(out / "cluster_spectra.csv", delimiter=",", comments="#", skiprows=4)
    assert table.shape == (512, 4)
    from xrf_napari.fileutil import printable

    assert printable(scan) in lines[0]
    for name in ("labels.h5", "latent.h5"):
        with h5py.File(out / name) as f:
            assert f.attrs["source"] == printable(scan) and "\n" not in f.attrs["source"]


def test_pigments_of_a_name_that_is_not_utf8(painted, tmp_path):
    """Every region was fitted, then the page failed on the scan's name and command line."""
    pytest.importorskip("xraylib")
    scan = _copy_as(painted, tmp_path, b"pintur\xe9.h5")
    np.save(tmp_path / "labels.npy", painted_counts()[1])
    out = tmp_path / "report"
    argv = ["pigments", str(scan), "--labels", str(tmp_path / "labels.npy"), "-o", str(out)]
    assert main([*argv, "--no-progress"]) == 0
    assert "pintur\\xe9" in (out / "report.html").read_text(encoding="utf-8")


# -- 6. cluster_spectra.csv of an uncalibrated scan; one layout ----------------------------------
@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    """Flat noise, calibrated by a sidecar: the automatic calibration finds no peaks in it, and
    embed and the Embed dock refuse a scan left without one (tests/test_uncal56.py)."""
    path = tmp_path_factory.mktemp("flat") / "flat.npy"
    rng = np.random.default_rng(0)
    np.save(path, rng.poisson(1.0, (24, 20, 512)).astype(np.uint16))
    path.with_suffix(".json").write_text('{"offset": 0.0, "gain": 0.04}', encoding="utf-8")
    return path


def test_cluster_spectra_csv_of_an_uncalibrated_scan_counts_channels(tmp_path):
    """Its first column was energy_keV over channel numbers (embed's CLI and dock refuse such
    a scan since uncal56; the one writer still says what its column is)."""
    from xrf_napari.analysis.export import save_cluster_spectra

    out = tmp_path / "cluster_spectra.csv"
    spectra = np.ones((3, 4))
    save_cluster_spectra(
        out, np.arange(4.0), spectra, [5, 6, 7], source="flat.npy", calibration="none",
        labels_file="labels.h5",
    )  # fmt: skip
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "calibration none" in lines[0] and "labels in labels.h5" in lines[0]
    assert lines[1].startswith("# pixels per cluster: cluster_1=")
    assert lines[2] == "channel,cluster_1,cluster_2,cluster_3"
    assert lines[3].split(",")[0] == "0" and lines[4].split(",")[0] == "1"


def test_embed_dock_csv_has_the_cli_layout(make_napari_viewer, qtbot, flat, dve, tmp_path):
    """The dock wrote energy_keV over channel numbers too, and its own comment layout."""
    viewer = make_napari_viewer()
    open_cube(viewer, flat)
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path)
    _, csv = embed.save(tmp_path / "dock" / "regions.tif")
    assert _embed(flat, tmp_path / "cli", dve) == 0
    dock = csv.read_text(encoding="utf-8").splitlines()
    cli = (tmp_path / "cli" / "cluster_spectra.csv").read_text(encoding="utf-8").splitlines()
    assert dock[2] == cli[2] == "energy_keV,cluster_1,cluster_2,cluster_3"
    assert "calibration source: file" in dock[0] and "labels in regions.tif" in dock[0]
    assert dock[1].split(": ")[0] == cli[1].split(": ")[0] == "# pixels per cluster"
    assert dock[0].split("; ")[1:2] == cli[0].split("; ")[1:2]  # the first column said alike


# -- 10. report colours rounded, not truncated ---------------------------------------------------
def test_report_colours_are_rounded_the_same_everywhere():
    from xrf_napari.analysis.pigment_report import _thumb, hex_colour

    labels = np.ones((4, 4), int)
    for colour, expected in (([0.999, 0.5, 0.2], "#ff8033"), ([254.9 / 255, 0.5, 0.0431], None)):
        pixel = _hex(_thumb(labels, 1, None, colour)[0, 0])
        assert pixel == hex_colour(colour) == (expected or hex_colour(colour))
    from xrf_napari.analysis.pigment_report import as_uint8

    rgb = np.random.default_rng(0).random((20000, 3)).astype(np.float32)
    hexes = [hex_colour(c) for c in rgb]
    assert hexes == [_hex(c) for c in as_uint8(rgb)]


def test_pigments_dock_export_background_is_rounded(make_napari_viewer, monkeypatch):
    """The dock's export truncated its recolour layer to uint8 for the thumbnails' background:
    it hands the layer's floats to the report, which rounds them (as_uint8) in Export's job."""
    from types import SimpleNamespace

    import xrf_napari.analysis.pigment_report as pigment_report
    import xrf_napari.widgets.pigments as pigments_dock

    widget = pigments_dock.PigmentsWidget(make_napari_viewer())
    data = np.full((2, 2, 3), 254.9 / 255, np.float32)
    result = SimpleNamespace(
        report=None,
        labels=None,
        cube_layer=None,
        labels_layer=None,
        colours=None,
        colour_source="",
        choices=[],  # PigmentResult's default (a list the export copies)
        background=None,  # no colour prior: the recolour layer is the background
        tube=None,  # the tube the fit used (f551e826): none named
    )
    widget.result = result
    monkeypatch.setattr(type(widget), "_check_export", lambda self, folder: None)
    monkeypatch.setattr(type(widget), "result_layer", SimpleNamespace(data=data))
    cube = SimpleNamespace(
        name="scan", path=None, calibration=SimpleNamespace(source="file"), metadata={}
    )
    monkeypatch.setattr(pigments_dock, "layer_cube", lambda layer: cube)
    seen = {}
    monkeypatch.setattr(pigment_report, "write_report", lambda *a, **k: seen.update(k))
    widget.export("folder")
    assert seen["background"] is data
    assert (pigment_report.as_uint8(data) == 255).all()  # render_html's rounding of floats


# -- 11. a failed write names the file, and leaves no folder the run made ------------------------
def test_a_failed_pigments_report_names_the_file_and_leaves_no_folder(
    painted, tmp_path, monkeypatch, capsys
):
    pytest.importorskip("xraylib")
    np.save(tmp_path / "labels.npy", painted_counts()[1])
    out = tmp_path / "new" / "report"
    # the first table written with csv.writer (candidates.csv quotes its colours itself)
    monkeypatch.setattr("csv.writer", _full_disk)
    argv = ["pigments", str(painted), "--labels", str(tmp_path / "labels.npy"), "-o", str(out)]
    assert main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {out / 'region_spectra.csv'}: No space left on device" in err
    assert not (tmp_path / "new").exists()


def test_a_failed_embed_names_the_file_and_leaves_no_folder(
    painted, dve, tmp_path, monkeypatch, capsys
):
    from PIL import Image

    out = tmp_path / "emb"
    monkeypatch.setattr(Image.Image, "save", _full_disk)
    assert _embed(painted, out, dve) == 2
    err = capsys.readouterr().err
    assert f"cannot write {out / 'latent.png'}: No space left on device" in err
    assert not out.exists()


def test_a_failed_replace_names_the_file(tmp_path, monkeypatch):
    """A rename at the end of a set (a network share gone) also names its file."""
    from xrf_napari.fileutil import atomic_path, atomic_set

    monkeypatch.setattr(os, "replace", _full_disk)
    with pytest.raises(OSError, match=r"cannot write .*b\.txt: No space left on device") as e:
        with atomic_set():
            with atomic_path(tmp_path / "b.txt") as tmp:
                tmp.write_text("b", encoding="utf-8")
    assert e.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
