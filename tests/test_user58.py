"""What a new user meets (session 58): README, the user guide, the demo, first use of napari."""

from _dock_layout import assert_in_view, settle
from _napari_helpers import open_cube, survey_held_for, wait_idle, write_painted_cube


def test_spectrum_run_row_and_export_stay_in_view_in_a_short_dock(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """With the five docks open on a 1920 x 1080 screen, as the user guide shows them, the
    Spectrum dock (574 px) showed its body down to 572 px and its Mean spectrum / Cancel row at
    628-653 px, its status line at 686-703 and Export CSV... at 710-735: while the scan was
    surveyed the user saw an empty plot and no sign of work, and the guide's "every panel keeps
    its Run and Save buttons in view" did not hold. They are pinned below the body now; a short
    window (the Spectrum dock alone, 560 px tall) shows the same cheaply."""
    viewer = make_napari_viewer(show=True)
    # the survey is held (its 4-16 s are not what is tested) and cancelled once the layout is seen
    with survey_held_for(monkeypatch, "painted"):
        open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
        window = viewer.window._qt_window
        dock, spectrum = viewer.window.add_plugin_dock_widget("xrf-napari", "Spectrum")
        window.resize(1280, 560)
        settle()
        assert dock.height() < 560
        panel = spectrum.job
        shown = (panel.run_button, panel.cancel_button, panel.status, spectrum.export_button)
        assert_in_view(dock, shown, "in a short dock")
        assert panel.status.text()  # "Reading the cube..." (the survey under way) is seen
        assert spectrum.canvas.height() >= 180  # the plot keeps its minimum height
        panel.cancel_button.click()
        wait_idle(qtbot, panel)


def test_spectrum_dock_minimum_leaves_room_for_five_docks_added_in_one_go(make_napari_viewer):
    """A script adding the five docks in one go (then napari.run()) has them laid out in one
    column before the job docks join their tabs: once Spectrum's Run row and Export were pinned
    below its body, its minimum (212 px: a scroll area's own 69 px and the 123 px pinned) beside
    the other four's 212 px each grew napari's window 1080 -> 1139 px (the APS scan), beyond a
    1080 px screen; its body may now shrink to the pinned rows."""
    viewer = make_napari_viewer()
    dock, spectrum = viewer.window.add_plugin_dock_widget("xrf-napari", "Spectrum")
    settle()
    pinned = spectrum.footer.minimumSizeHint().height()
    assert dock.minimumSizeHint().height() <= pinned + 45, (dock.minimumSizeHint(), pinned)


def test_embed_of_a_few_off_axis_pixels_names_the_axis_not_pigments(tmp_path, capsys):
    """`xrf-napari embed` on the real 3 x 3 ripple file whose calibration puts its axis at
    -0.96 to -0.91 keV said "too few to find regions. It is one region: `xrf-napari pigments
    FILE` fits it whole", and that command then refused the file for its axis: embed now names
    the axis first, as recolour and pigments do."""
    import json

    import numpy as np

    from xrf_napari.cli.main import main

    scan = tmp_path / "few.npy"
    np.save(scan, np.full((3, 3, 6), 5, dtype=np.uint16))
    scan.with_suffix(".json").write_text(
        json.dumps({"offset": -0.956, "gain": 0.010002}), encoding="utf-8"
    )
    assert main(["embed", str(scan), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "wholly outside the 1-26.6 keV" in err, err
    assert "xrf-napari pigments" not in err, err
