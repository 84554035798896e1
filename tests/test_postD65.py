"""Session 65 (postD65, review of lateC65's 8018fecf): the system error of a failed read or write
is not taken from its file's name."""

import pytest


@pytest.mark.parametrize("h5py_made", [False, True], ids=["OSError", "h5py"])
def test_a_file_named_errno_n_does_not_change_the_errno(tmp_path, h5py_made):
    """errors.system_error searched str(exc) for "errno = N", the report's words optional: a
    missing "scan errno = 7.h5" was errno 7 to read_errno and cannot_write said HDF5's whole
    report (h5py's own errno is 7 too: it takes the first match), and an OSError(2) naming
    "errno = 5.h5" was errno 5. Fails on the parent: 7 and 5."""
    import h5py

    from xrf_napari.errors import read_errno
    from xrf_napari.fileutil import cannot_write

    path = tmp_path / ("scan errno = 7.h5" if h5py_made else "errno = 5.h5")
    if h5py_made:
        with pytest.raises(OSError) as err:
            h5py.File(path, "r")
        exc = err.value
    else:
        exc = OSError(2, "No such file or directory", str(path))
    said = cannot_write("out.h5", exc)
    assert read_errno(exc) == said.errno == 2
    assert type(said) is FileNotFoundError
    assert str(said) == "cannot write out.h5: No such file or directory"


def test_embed_save_names_the_tube_its_run_used_after_the_row_changed(
    make_napari_viewer, qtbot, tmp_path
):
    """Review of lateB65 (fc8c410d): Embed & cluster's Save named the tube chosen at Save time
    (scan_tube), not its run's: clustered with Mo chosen, then Ag chosen in the Instrument row,
    cluster_spectra named Ag while the run's check used Mo (`embed --anode Mo` writes Mo). Now
    the run's OODReport's tube, as `embed` writes. Fails on the parent: "Ag"."""
    from _napari_helpers import cluster_with_tiny_dve, wait_idle
    from test_lateB65 import _chose_mo, _read_anode

    viewer = make_napari_viewer()
    spectrum = _chose_mo(viewer, qtbot, tmp_path)
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    spectrum.instrument_row.anode_combo.setCurrentText("Ag")
    wait_idle(qtbot, spectrum.job)
    _, csv_path = embed.save(tmp_path / "regions.png")
    assert _read_anode(csv_path) == "Mo"
