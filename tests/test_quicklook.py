"""quicklook picks and maps elements exactly as the Elemental maps dock does (issue 17 item 5)."""

import numpy as np
from _napari_helpers import H, W, write_painted_cube

from xrf_napari.cli.main import main
from xrf_napari.cli.quicklook_cmd import choose_maps


def test_quicklook_uses_the_gui_suggestions_and_maps(tmp_path, capsys):
    from xrf_napari.analysis.maps import iter_planned_maps, plan_for_cube
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end

    path = write_painted_cube(tmp_path / "painted.h5")
    cube = read_cube(path)
    spectrum, suggested, plans, maps = choose_maps(cube)
    np.testing.assert_allclose(spectrum, cube.sum_spectrum(), rtol=1e-9)
    assert suggested == list(suggest_for_cube(cube))  # the dock's suggestions, same order
    assert {"Pb", "Hg", "Fe", "Cu"} <= set(maps) and "Rh" not in maps  # the anode is no element
    # made with the scan's sum, as the dock's: a STRIP_GROUPS neighbour not counted present (Zn
    # beside Hg L-alpha) is judged by it (c5934d0d), element_maps takes it out all the same
    present = sorted(set(suggested) | set(maps))
    expected = run_to_end(
        iter_planned_maps(cube, plan_for_cube(cube, list(maps), present=present, spectrum=spectrum))
    )
    for sym, band in (("Hg", 1), ("Fe", 2), ("Cu", 3)):
        np.testing.assert_allclose(maps[sym], expected[sym], rtol=1e-6)
        rows = maps[sym].reshape(4, H // 4, W).mean(axis=(1, 2))
        assert np.argmax(rows) == band and rows[band] > 5 * np.delete(rows, band).max(), (sym, rows)
    names = [p.symbol for p in plans]
    assert len(set(names)) == len(names)
    for a in names:  # no two maps the same picture (As Ka and Pb La used to be)
        for b in names:
            if a < b:
                assert not np.allclose(maps[a], maps[b]), (a, b)

    assert main(["quicklook", str(path), "-o", str(tmp_path / "ql")]) == 0
    written = capsys.readouterr().out.split()
    assert written[0].endswith("painted_sum_spectrum.png")
    assert {f"painted_{p.symbol}_{p.line.family}.png" for p in plans} == {
        w.split("/")[-1] for w in written[1:]
    }


def test_quicklook_tiff_writes_the_dock_s_map_values(tmp_path, capsys):
    """--tiff adds each map as a float TIFF equal to the dock's map, and the table of lines."""
    import tifffile

    from xrf_napari.io import read_cube

    path = write_painted_cube(tmp_path / "painted.h5")
    _, _, plans, maps = choose_maps(read_cube(path))
    assert main(["quicklook", str(path), "-o", str(tmp_path / "ql"), "--tiff"]) == 0
    written = capsys.readouterr().out.split()
    assert written[-1].endswith("painted_maps.csv")
    for p in plans:
        tif = tmp_path / "ql" / f"painted_{p.symbol}_{p.line.family}.tif"
        assert str(tif) in written
        np.testing.assert_array_equal(tifffile.imread(tif), maps[p.symbol].astype(np.float32))
    table = (tmp_path / "ql" / "painted_maps.csv").read_text().splitlines()
    assert table[1].startswith("element,line,line_keV") and len(table) == 2 + len(plans)
