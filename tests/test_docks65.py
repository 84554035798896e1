"""Session 65, the docks as a conservator uses them (helper docks65)."""

import pytest
from _napari_helpers import fitted_stripes_dock, open_cube, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_renamed_scan_is_named_by_its_stack_and_its_sum_keeps_its_name(
    make_napari_viewer, tmp_path
):
    """A guard: the user guide says a renamed scan's sum image keeps its first name, as its
    result layers do, while the panels name the scan by its datacube layer (the Datacube lists
    follow that layer's renaming, not the sum's)."""
    from xrf_napari.widgets._layers import CubeLayerCombo

    viewer = make_napari_viewer()
    layers = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    stack, total = sorted(layers, key=lambda ly: -ly.ndim)
    combo = CubeLayerCombo(viewer)  # every dock's Datacube list
    try:
        stack.name = "Madonna"
        assert (combo.currentText(), total.name) == ("Madonna", "a sum")
        total.name = "overview"
        assert combo.currentText() == "Madonna"
    finally:
        combo.detach()


def test_an_output_under_a_file_or_a_file_as_folder_says_what_to_do(tmp_path):
    """A save under a file ("notes.txt/maps.tif") was refused "cannot write ...: notes.txt is
    not a folder", and a folder output that is a file "output folder X exists and is not a
    folder", with no next step, where the refusals beside them (a read-only folder, a dangling
    link) each end with one."""
    from xrf_napari.fileutil import OutputError, check_outputs

    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", encoding="utf-8")
    for kwargs in (dict(files=[blocker / "maps.tif"]), dict(folders=[blocker])):
        with pytest.raises(OutputError) as err:
            check_outputs(inputs=[], **kwargs)
        said = str(err.value)
        assert f"{blocker} " in said and said.endswith("; choose another output folder"), said


def test_an_output_that_is_a_folder_says_what_to_do(tmp_path):
    """Export report... into a folder holding a folder "report.html" (or Save image... onto a
    folder) was refused "cannot write .../report.html: it exists and is not a regular file",
    with no next step, where the read-only file refusal beside it says "make it writable, or
    choose another output"."""
    from xrf_napari.fileutil import OutputError, check_outputs

    (tmp_path / "report.html").mkdir()
    with pytest.raises(OutputError) as err:
        check_outputs(files=[tmp_path / "report.html"], inputs=[])
    said = str(err.value)
    assert said == (
        f"cannot write {tmp_path / 'report.html'}: it is a folder, not a file; "
        "choose another output"
    ), said


def test_deleted_fitted_regions_say_to_choose_regions_not_only_to_press_find(
    make_napari_viewer, qtbot, tmp_path
):
    """Walking the docks (walkU.py): with the fitted regions layer deleted, the info line said
    "The regions changed since this fit: press Find pigments again." while Find pigments was off
    (no regions left for the scan, its tooltip saying so). It names the deleted layer and says to
    choose or make regions first; a fit whose regions were only painted on keeps the old line."""
    pytest.importorskip("xraylib")
    from xrf_napari.widgets.pigments import STALE_NOTE

    viewer = make_napari_viewer()
    dock, regions = fitted_stripes_dock(viewer, qtbot, tmp_path)
    regions.paint((0, 0), 2, refresh=True)  # changed, not gone: the old line
    assert dock.info.text().startswith(STALE_NOTE)
    viewer.layers.remove(regions)
    said = dock.info.text()
    assert said.startswith(
        "The regions of this fit (\u201cmy regions\u201d) were deleted: choose or make regions, "
        "then press Find pigments again. "
    ), said
    assert not dock.job.run_button.isEnabled()
