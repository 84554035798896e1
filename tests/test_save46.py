"""A conservator's saves, walked in napari (session 46): every Save / Export of the docks and the
files they leave, under names and in folders a user picks."""

from _napari_helpers import open_cube, wait_idle, write_painted_cube

#: 77 CJK characters, 231 bytes: with ".csv", a name of 235 bytes, which the disk takes (255).
LONG_NAME = "東京国立博物館" * 11


def test_a_save_under_a_long_name_the_disk_takes_is_written(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Export CSV under a name of 235 bytes (77 CJK characters, a name ext4 and NTFS take) was
    refused "cannot write ....csv: File name too long": the temporary beside it, named after it
    and about 30 bytes longer, was not a name the disk takes. The temporary now holds a cut
    name; the file is written under the full one, nothing else is left, and a dead writer's
    temporary of that name is still found as that output's (remove_stale_temporaries)."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari import fileutil
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    qtbot.waitUntil(lambda: "mean" in dock.curves, timeout=20000)
    wait_idle(qtbot, dock.job)
    out = tmp_path / "out"
    out.mkdir()
    name = f"{LONG_NAME}.csv"
    assert len(name.encode()) == 235
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(out / name), a[3]))
    dock._export_clicked()
    assert dock.job.status.text() == f"Saved {name}.", dock.job.status.text()
    assert [p.name for p in out.iterdir()] == [name]
    assert (out / name).read_text(encoding="utf-8").startswith("# xrf-napari spectra")

    dead = 2**22 + 1  # above Linux's largest process id: no such process
    stale = fileutil.temp_prefix(name, dead) + "abcd1234.csv"
    assert len(stale.encode()) <= fileutil.NAME_MAX
    (out / stale).write_text("half", encoding="utf-8")
    assert fileutil.remove_stale_temporaries(out, name) == [out / stale]
