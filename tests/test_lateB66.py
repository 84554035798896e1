"""Session 66 follow-ups of a user walk-through (lateB66): the estimated detector resolution at
the end of the widths the fit tries, and an --output folder named like a scan file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest


class _Cube:
    def __init__(self, metadata):
        self.metadata = metadata


def _resolution_note(width: float) -> tuple[float, str]:
    """(the estimated FWHM, its note) for spectra of lead white and vermilion made at `width` eV
    by a file that names the tube but no resolution."""
    from xrf_napari.analysis import pigment_fit as pf

    profile, notes = pf.instrument_for(_Cube({"profile": {"anode": "Rh", "kv": 40.0}}))
    assert pf._missing(notes) == (False, True), notes
    lib = pf.component_library(replace(profile, fwhm_mn_ev=width))
    names = [p.name for p in lib.pigments]
    col = lib.paint[names.index("Lead white"), 1] + lib.paint[names.index("Vermilion"), 1]
    spectra = np.random.default_rng(0).poisson(2e4 * col / col.max() + 1.0, (4, col.size))
    got, said = pf.estimate_missing(profile, notes, spectra.astype(float))
    (note,) = [n for n in said if n.startswith("detector resolution")]
    return got.fwhm_mn_ev, note


def test_an_estimated_resolution_at_the_widest_the_fit_tries_says_it_may_be_wider(monkeypatch):
    """The real APS scan's K-alpha peaks read 197 eV (the element maps' width); Pigments said
    "about 185 eV at Mn K-alpha, estimated from the peak widths", 185 eV being the widest of
    FWHM_GRID, with no word of that. A 230 eV detector's spectra now read "185 eV or wider ...
    the widest the fit tries"; the estimate itself (the fit's width) is as before."""
    pytest.importorskip("xraylib")
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis.pigment_fit import FWHM_GRID

    monkeypatch.setattr(pf, "FWHM_GRID", tuple(sorted(FWHM_GRID)[-2:]))  # its widest two: faster
    got, note = _resolution_note(230.0)
    assert got == max(FWHM_GRID)  # the fit's result is unchanged: the grid's top
    assert f"{got:g} eV or wider at Mn K-alpha, estimated from the peak widths" in note, note
    assert f"{got:g} eV is the widest the fit tries" in note and "--fwhm" in note, note
    assert "about" not in note, note
    # inside the grid the note reads as before; at its narrow end it says so
    from xrf_napari.analysis.pigment_fit import fwhm_estimate_words

    words = fwhm_estimate_words(sorted(FWHM_GRID)[1], FWHM_GRID)
    assert (
        words == f"about {sorted(FWHM_GRID)[1]:g} eV at Mn K-alpha, estimated from the peak widths"
    )
    assert "is the narrowest the fit tries" in fwhm_estimate_words(min(FWHM_GRID), FWHM_GRID)


def _noise_scan(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    data = np.random.default_rng(0).poisson(3, (4, 4, 512)).astype(np.uint16)
    return write_cube(tmp_path / "flat.h5", data, Calibration(1.0, 0.05))


@pytest.mark.parametrize("name", ["scan.mca", "scan.rpl", "scan.spx", "scan.zarr"])
def test_an_output_folder_named_like_a_scan_file_is_refused(tmp_path, capsys, name):
    """`quicklook X -o out/scan.mca` quietly made a folder named scan.mca (holding PNGs), where
    `-o x.h5` was refused: every ending the readers open (their own list) is refused alike."""
    from xrf_napari.cli.main import main
    from xrf_napari.io.registry import SUPPORTED_SUFFIXES

    assert name[name.index(".") :] in SUPPORTED_SUFFIXES
    scan = _noise_scan(tmp_path)
    out = tmp_path / "out" / name
    assert main(["quicklook", str(scan), "-o", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"-o {out}: names a scan ({out.suffix}, an ending xrf-napari opens" in err, err
    assert f"give a folder, e.g. {out.with_suffix('')}" in err, err
    assert not out.exists()


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _two_cubes(viewer):
    from _napari_helpers import add_cube

    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    cubes = []
    for i, name in enumerate(("scan A", "scan/B")):
        counts = np.full((3, 4, 16), i + 1, np.uint16)
        cubes.append(Cube(counts, Calibration(0.1 * i, 0.05), metadata={"name": name}))
        add_cube(viewer, cubes[-1])
    layers = [ly for ly in viewer.layers if ly.ndim == 3]  # the cubes' layers, not their sums
    assert len(layers) == 2
    return cubes, layers


def test_two_cube_layers_saved_at_once_are_written_one_h5_each(make_napari_viewer, tmp_path):
    """Saving two selected cube layers with a .h5 name: napari said "No data written! A plugin
    could not be found to write these 2 layers" (xrf-napari's writer took exactly one layer).
    Each cube is now written to its own project HDF5, `<name>_<layer>.h5`, and reads back with
    its calibration."""
    import xrf_napari

    viewer = make_napari_viewer()
    cubes, layers = _two_cubes(viewer)
    viewer.layers.selection = set(layers)
    written = viewer.layers.save(str(tmp_path / "cubes.h5"), selected=True)
    assert len(written) == 2, written
    for cube, path in zip(cubes, written, strict=True):
        assert Path(path).parent == tmp_path and Path(path).name.startswith("cubes_"), path
        back = xrf_napari.read_cube(path)
        assert back.calibration.offset == cube.calibration.offset
        assert back.calibration.gain == cube.calibration.gain
        assert np.array_equal(np.asarray(back.data[()]), np.asarray(cube.data[()]))


def test_a_cube_saved_with_its_sum_image_is_refused_naming_the_sum(make_napari_viewer, tmp_path):
    """Two layers at once, a cube and another cube's sum image, with a .h5 name: the sum image is
    no cube, and the save is refused saying so before anything is written (a cube's own sum
    image is left out: test_saved67)."""
    from xrf_napari._writer import CubeSaveError

    viewer = make_napari_viewer()
    _, layers = _two_cubes(viewer)
    viewer.layers.selection = {layers[0], viewer.layers[f"{layers[1].name} sum"]}
    with pytest.raises(CubeSaveError, match=f"layer '{layers[1].name} sum' is the sum image of"):
        viewer.layers.save(str(tmp_path / "cubes.h5"), selected=True)
    assert list(tmp_path.iterdir()) == []
