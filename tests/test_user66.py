"""Session 66, a conservator's walk-through of the docs and docks (helper user66)."""

import numpy as np


def test_the_maps_table_names_its_scan_before_how_its_values_were_scaled(tmp_path):
    """The maps table's first line put the scan's name after the live-time words where the
    pixels' live times differ: "... net line counts per pixel, scaled to the scan's median live
    time of 0.499 s; its pixels' live times run 0.498-1.22 s of aps; one 32-bit float TIFF per
    map" (quicklook --tiff and Save maps of the real APS scan), where the scan named by its
    live times was read as the scan's name."""
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.cli.main import main
    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    live = np.full(counts.shape[:2], 0.5)
    live[:, ::2] = 1.0  # every other column counted twice as long
    write_cube(tmp_path / "Madonna.h5", counts, CANONICAL_CAL, live_time=live)
    out = tmp_path / "maps"
    args = ["quicklook", str(tmp_path / "Madonna.h5"), "-o", str(out), "--tiff", "--elements", "Pb"]
    assert main([*args, "--no-progress"]) == 0
    first = (out / "Madonna_maps.csv").read_text(encoding="utf-8").splitlines()[0]
    said = "scaled to the scan's median live time of 0.75 s; its pixels' live times run 0.5-1 s"
    assert first.startswith(
        f"# xrf-napari quicklook: maps of Madonna in net line counts per pixel, {said}; "
        "one 32-bit float TIFF per map"
    ), first
