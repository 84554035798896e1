"""Session 65, review of docks65 (revU65)."""

import numpy as np
import pytest
from _napari_helpers import fitted_stripes_dock


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_script_writing_onto_a_folder_is_told_the_same_as_a_save(tmp_path):
    """Fails on the parent: 9c4f6faa gave check_outputs' "it exists and is not a regular file"
    a next step, but atomic_path, which a script's write_cube or write_image reaches without
    check_outputs (and the sample cache, the trainers' files), kept the old words, unprintable
    names included: the two refusals of one case now read alike."""
    from xrf_napari.fileutil import OutputError, atomic_path, check_outputs, printable
    from xrf_napari.io.project_h5 import write_cube

    for name in ("scan.h5", "a\nb.h5"):
        folder = tmp_path / name
        folder.mkdir()
        with pytest.raises(OutputError) as checked:
            check_outputs(files=[folder], inputs=[])
        with pytest.raises(OutputError) as written:
            write_cube(folder, np.zeros((2, 2, 4), np.uint16), np.arange(4.0))
        with pytest.raises(OutputError) as atomic, atomic_path(folder):
            pass
        want = (
            f"cannot write {printable(folder)}: it is a folder, not a file; choose another output"
        )
        assert str(checked.value) == str(written.value) == str(atomic.value) == want


def test_fitted_regions_added_back_are_not_said_deleted(make_napari_viewer, qtbot, tmp_path):
    """Fails on the parent: the fitted regions layer deleted (2a6e5a1b: "The regions of this fit
    (...) were deleted: ...") and the same layer added back (from the console or a script)
    kept the line "were deleted" while the layer was in the list, its rows selecting nothing;
    the fit is current again where the layer holds the labels it read, and a stroke after
    still makes it stale."""
    pytest.importorskip("xraylib")
    from xrf_napari.widgets.pigments import GONE_NOTE, STALE_NOTE

    viewer = make_napari_viewer()
    dock, regions = fitted_stripes_dock(viewer, qtbot, tmp_path)
    fitted = dock.info.text()
    viewer.layers.remove(regions)
    assert dock.info.text().startswith(GONE_NOTE.format("my regions"))
    viewer.add_layer(regions)
    assert dock.info.text() == fitted and not dock.result.stale
    regions.paint((0, 0), 2, refresh=True)
    assert dock.info.text().startswith(STALE_NOTE)
