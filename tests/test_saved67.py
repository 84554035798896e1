"""Session 67, saved outputs: the docks' save names (another file type's suffix, a name starting
with a dot), the quicklook map PNGs' record of their element and line, and the panels' weights
boxes following the weights folder."""

from __future__ import annotations

import re

import pytest
from _napari_helpers import open_cube, write_painted_cube

IMAGES = "PNG (*.png);;TIFF (*.tif *.tiff)"


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize(
    ("typed", "filters", "chosen", "advice"),
    [
        ("x.csv", IMAGES, "PNG (*.png)", "not write .csv files; it writes PNG or TIFF"),
        ("x.h5", IMAGES, "TIFF (*.tif *.tiff)", "not write .h5 files; it writes PNG or TIFF"),
        ("s.txt", "CSV (*.csv)", "CSV (*.csv)", "not write .txt files; it writes CSV (.csv)"),
    ],
)
def test_another_file_type_is_refused_as_a_picture_type_is(
    qtbot, tmp_path, monkeypatch, typed, filters, chosen, advice
):
    """ "x.csv" in Save image… was saved as x.csv.png (a PNG named like a table), "s.txt" in Export
    CSV… as s.txt.csv: only picture types were refused. Now any type the program knows (tables,
    scans, weights) is refused saying what the save writes. Fails on the parent: x.csv.png."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), chosen))
    with pytest.raises(ValueError) as caught:
        ask_save_path(None, "Save", filters)
    assert f"cannot save {typed}: this save does {advice}" in str(caught.value), caught.value


@pytest.mark.parametrize(
    ("typed", "saved"), [("NG6461_2024.03.12", "NG6461_2024.03.12.png"), ("scan.v2", "scan.v2.png")]
)
def test_a_dot_of_the_names_own_still_gets_the_type(qtbot, tmp_path, monkeypatch, typed, saved):
    """A guard: a date or version in the name is not a file type: the chosen type is added."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), a[3]))
    assert ask_save_path(None, "Save", "PNG (*.png)") == str(tmp_path / saved)


@pytest.mark.parametrize("typed", [".png", "...", ".clusters.png"])
def test_a_name_starting_with_a_dot_is_refused_as_a_hidden_file(
    qtbot, tmp_path, monkeypatch, typed
):
    """ ".png" was saved as .png.png and "..." as ....png: hidden files, which neither a file
    browser nor napari's Open dialog shows. Now refused, suggesting a name. Fails on the
    parent: the hidden name is returned."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), a[3]))
    with pytest.raises(ValueError) as caught:
        ask_save_path(None, "Save", IMAGES, str(tmp_path / "a_clusters.png"))
    assert str(caught.value) == (
        f"cannot save {typed}: a name starting with a dot makes a hidden file, which file "
        "browsers and napari's Open dialog do not show: give it a name, e.g. a_clusters.png"
    )


def test_the_docks_saves_refuse_other_types_and_hidden_names_alike(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save image…, Save labels & spectra… and Export CSV… end to end, and export_csv(path) from
    a script: each refuses another type's name and a hidden one on its status line, and writes
    nothing (x.csv.png, x.h5.png, spectra.h5.csv, .png.png had been written; a script's
    export_csv("s.h5") a CSV named s.h5, which napari then read as a scan)."""
    from _napari_helpers import scripted_questions, wait_idle
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.No)  # none expected: no file is replaced
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    docks = [cls(viewer) for cls in (RecolourWidget, EmbedClusterWidget, SpectrumWidget)]
    for dock in docks:
        viewer.window.add_dock_widget(dock)
    spectrum = docks[2]
    wait_idle(qtbot, spectrum.job)
    clicks = (docks[0]._save_clicked, docks[1]._save_clicked, spectrum._export_clicked)
    for typed, words in (("x.csv", "this save does not write"), (".png", "a hidden file")):
        for dock, click in zip(docks, clicks):
            name = "x.h5" if dock is spectrum and typed == "x.csv" else typed
            path = str(tmp_path / name)
            monkeypatch.setattr(
                QFileDialog, "getSaveFileName", lambda *a, p=path: (p, a[3].split(";;")[0])
            )
            click()
            said = dock.job.status.text()
            assert f"cannot save {name}: " in said and words in said, said
    with pytest.raises(ValueError, match="the spectra are saved as .csv"):
        spectrum.export_csv(tmp_path / "s.h5")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5"]
    assert not asked


def test_info_names_the_element_and_line_of_a_quicklook_map_png(tmp_path, capsys):
    """A quicklook map PNG carried only its Software mark: `info` named it "an image xrf-napari
    quicklook wrote", not which map it is. Now each PNG records its element and line (and the
    spectrum PNG what it plots), as a map TIFF does, and `info` says it. Fails on the parent:
    "an image xrf-napari quicklook wrote"."""
    import json

    from PIL import Image

    from xrf_napari.cli.main import main

    scan = write_painted_cube(tmp_path / "panel.h5")
    out = tmp_path / "ql"
    argv = ["quicklook", str(scan), "-o", str(out), "--elements", "Fe", "--no-progress"]
    assert main(argv) == 0
    with Image.open(out / "panel_Fe_Ka.png") as im:
        record = json.loads(im.info["Description"])
    assert (record["element"], record["line"], record["scan"]) == ("Fe", "Ka", "panel")
    capsys.readouterr()
    for png, words in (
        ("panel_Fe_Ka.png", "Fe Ka map"),
        ("panel_sum_spectrum.png", "sum spectrum"),
    ):
        assert main(["info", str(out / png)]) != 0
        said = capsys.readouterr().err
        assert f"'.png': the {words} of panel that xrf-napari wrote, a picture, not a " in said, (
            said
        )


def test_the_weights_boxes_follow_a_weights_folder_chosen_after_they_opened(
    make_napari_viewer, tmp_path, monkeypatch
):
    """The Recolour and Embed & cluster panels filled their weights boxes from the weights folder
    once, as they opened: a folder chosen afterwards in Preferences (or XRF_NAPARI_WEIGHTS) was
    not used until napari was started again. Now a box still holding the folder's file (or
    nothing) follows the folder; a path the user put in it stays. Fails on the parent: the
    boxes keep the first folder's files."""
    from napari.settings import get_plugin_settings

    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    folders = [tmp_path / n for n in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir()
        for name in ("uvit.safetensors", "dve.safetensors"):
            (folder / name).write_bytes(b"")  # only looked up
    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    settings = get_plugin_settings("xrf-napari").models
    monkeypatch.setattr(settings, "weights_folder", str(folders[0]))
    viewer = make_napari_viewer()
    recolour, embed = RecolourWidget(viewer), EmbedClusterWidget(viewer)
    boxes = [recolour.weights_edit, recolour.embedder_edit, embed.weights_edit]
    assert [b.text() for b in boxes] == [
        str(folders[0] / n) for n in ("uvit.safetensors", "dve.safetensors", "dve.safetensors")
    ]
    mine = str(tmp_path / "mine.safetensors")
    recolour.embedder_edit.setText(mine)  # the user's choice
    settings.weights_folder = str(folders[1])  # Preferences
    assert [b.text() for b in boxes] == [str(folders[1] / "uvit.safetensors"), mine] + [
        str(folders[1] / "dve.safetensors")
    ]
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folders[2]))  # read as a run reads the boxes
    assert [b.path() for b in boxes] == [str(folders[2] / "uvit.safetensors"), mine] + [
        str(folders[2] / "dve.safetensors")
    ]
    for dock in (recolour, embed):
        dock.dock_closed()
        dock.deleteLater()


def test_save_all_layers_saves_the_cubes_and_leaves_out_their_sum_images(
    make_napari_viewer, tmp_path
):
    """File > Save All Layers with a .h5 name sends every layer, each scan's sum image beside its
    cube, and the save was refused ("layer 'a sum' is the sum image of the cube"). Now the sum
    images are left out with a warning (opening the cube makes them again) and the cubes saved:
    one scan to the name given, two one file each. Another image is still refused, saying what
    to do instead. Fails on the parent: the refusal."""
    import numpy as np
    from _napari_helpers import add_cube

    import xrf_napari
    from xrf_napari._writer import CubeSaveError
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    viewer = make_napari_viewer()
    cubes = [
        Cube(np.full((3, 4, 16), i + 1, np.uint16), Calibration(0.1, 0.05), metadata={"name": n})
        for i, n in enumerate(("a", "b"))
    ]
    add_cube(viewer, cubes[0])
    with pytest.warns(UserWarning, match="'a sum' not saved: the sum image of a cube saved here"):
        written = viewer.layers.save(str(tmp_path / "one.h5"))
    assert written == [str(tmp_path / "one.h5")]
    assert np.array_equal(np.asarray(xrf_napari.read_cube(written[0]).data[()]), cubes[0].data)
    add_cube(viewer, cubes[1])
    with pytest.warns(UserWarning, match="'a sum', 'b sum' not saved"):
        written = viewer.layers.save(str(tmp_path / "all.h5"))
    assert sorted(written) == [str(tmp_path / f"all_{n}.h5") for n in "ab"]
    viewer.add_image(np.zeros((3, 4, 3), np.uint8), name="photo", rgb=True)
    refused = pytest.raises(CubeSaveError, match="select the cube layers alone and use Save Selec")
    with refused, pytest.warns(UserWarning, match="'a sum', 'b sum' not saved"):
        viewer.layers.save(str(tmp_path / "again.h5"))
    assert not (tmp_path / "again.h5").exists()


def test_recolour_takes_the_embedder_beside_its_weights_where_they_were_trained_on_it(
    tmp_path, capsys, monkeypatch
):
    """`recolour --weights X/uvit.safetensors` without --embedder, X's uvit recording (its
    embedder_sha256) the dve.safetensors beside it, was refused (exit 2: the default embedder is
    another, and the one beside it "is used only when given"); the Recolour panel's run too. Now
    that one is used, said in a warning; the panel's job (iter_recolour) does the same. Fails on
    the parent: exit 2."""
    from _cli_models import save_tiny_models, write_toy_scan

    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.cli.main import main
    from xrf_napari.io import read_cube

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    folder = tmp_path / "x"
    folder.mkdir()
    save_tiny_models(folder, paired=True)
    dve = folder / "dve.safetensors"
    weights = folder / "uvit.safetensors"
    scan = write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]
    png = tmp_path / "o.png"
    argv = ["recolour", str(scan), "-o", str(png), "--weights", str(weights), "--device", "cpu"]
    with pytest.warns(UserWarning, match=f"using {re.escape(str(dve))} beside it, which is"):
        assert main([*argv, "--no-progress"]) == 0
    assert png.is_file()
    with pytest.warns(UserWarning, match="beside it, which is"):
        iter_recolour(read_cube(scan), weights=weights, device="cpu")


def test_info_names_a_region_png_as_a_region_image(tmp_path, capsys):
    """Save labels & spectra's PNG and `embed`'s labels.png (each region in its colour), and
    save_label_image's PNG (region numbers), carried only Software "xrf-napari <version>":
    `info` and `pigments --photo` named them "an image xrf-napari 0.1.0 wrote". Now each
    records what it is (a TIFF of regions says it by its 32-bit pixels) and both name it.
    Fails on the parent: "an image xrf-napari ... wrote" (write_region_colours is new there)."""
    import numpy as np

    from xrf_napari.analysis.colour_prior import read_photo
    from xrf_napari.analysis.export import save_label_image
    from xrf_napari.cli.main import main

    def named(png, words: str) -> None:
        assert main(["info", str(png)]) != 0
        said = capsys.readouterr().err
        assert f"{png.name}: unsupported file type '.png': {words}, a picture, not a " in said
        with pytest.raises(ValueError, match=re.escape(words)):
            read_photo(png, (4, 5))

    labels = np.arange(20).reshape(4, 5) % 3
    named(
        save_label_image(tmp_path / "regions.png", labels),
        "a region map that xrf-napari wrote (region numbers as pixel values)",
    )
    from xrf_napari.analysis.export import write_region_colours  # the dock's and embed's PNG

    named(
        write_region_colours(tmp_path / "clusters.png", labels, 3),
        "a region image that xrf-napari wrote (each region in its own colour: Embed & cluster's "
        "Save labels & spectra, `embed`'s labels.png)",
    )


def test_a_weights_box_deleted_with_its_dock_stops_following(qtbot, tmp_path, monkeypatch):
    """A weights box whose dock was deleted without closing (no dock_closed) stayed connected
    to the settings: a later weights-folder change called it on a deleted Qt object
    (RuntimeError inside napari's settings event). Now it disconnects itself then. Fails on
    the parent: still connected."""
    sip = pytest.importorskip("qtpy.sip")
    from napari.settings import get_plugin_settings

    from xrf_napari.widgets._common import WeightsEdit

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    settings = get_plugin_settings("xrf-napari").models
    box = WeightsEdit("dve", "shipped embedder")
    sip.delete(box)
    monkeypatch.setattr(settings, "weights_folder", str(tmp_path))
    assert box._events is None
