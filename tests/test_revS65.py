"""Review of session 65's save65 commits (revS65): the Software mark that says xrf-napari wrote
an image is the program's own name and a word, not any name starting alike; a damaged TIFF
the program wrote is said damaged."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from xrf_napari._reader import napari_get_reader
from xrf_napari.analysis.export import save_label_image
from xrf_napari.io import CubeReadError
from xrf_napari.saved_marks import made_by_xrf_napari


def test_a_software_name_only_starting_like_xrf_napari_is_not_its_mark(tmp_path):
    """An RGB TIFF another program marked "xrf-naparix 1.0" was taken for xrf-napari's own:
    opened by XRF recolouring (aca525a5) and `pigments --photo` would refuse it as the program's
    own colours. The program's own marks still count."""
    rgb = np.zeros((20, 23, 3), np.uint8)
    for software in ("xrf-naparix 1.0", "xrf-napari-tools 2"):
        other = tmp_path / f"{software.split()[0]}.tif"
        tifffile.imwrite(other, rgb, photometric="rgb", software=software)
        assert napari_get_reader(str(other)) is None, software
        assert made_by_xrf_napari(other) is None, software
    for software in ("xrf-napari 0.1.0", "xrf-napari quicklook", "xrf-napari"):
        own = tmp_path / "own.tif"
        tifffile.imwrite(own, rgb, photometric="rgb", software=software)
        assert napari_get_reader(str(own)) is not None, software
        assert made_by_xrf_napari(own) == f"an image {software} wrote"


def test_a_damaged_own_labels_tiff_is_said_damaged_naming_the_file(tmp_path):
    """Save labels & spectra's TIFF (zlib) with bytes zeroed in its image data, opened with XRF
    recolouring chosen: "could not be read (error: Error -3 while decompressing data: ...)",
    zlib's words, where the cube readers say a damaged strip is damaged (e277dda5)."""
    path = save_label_image(tmp_path / "clusters.tif", np.arange(300 * 300).reshape(300, 300) % 997)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2 : len(raw) // 2 + 200] = bytes(200)
    path.write_bytes(bytes(raw))
    reader = napari_get_reader(str(path))
    assert reader is not None
    with pytest.raises(CubeReadError) as err:
        reader(str(path))
    said = str(err.value)
    assert said.startswith(str(path)) and "image data is damaged" in said, said
    assert "decompression failed (Error -" in said and "save it again" in said, said


def _spectrum(n=400):
    """A calibrated spectrum's energies (keV) and counts, with peaks for the calibration check."""
    energy = 0.01 * np.arange(n) + 0.5
    counts = (
        20
        + 500 * np.exp(-(((energy - 2.3) / 0.06) ** 2))
        + 300 * np.exp(-((energy - 3.7) ** 2) / 0.004)
    )
    return energy, counts


@pytest.mark.parametrize("anode", ["Mo", "Rh"])
def test_spectrum_csv_export_keeps_the_tube(tmp_path, anode):
    """The Spectrum dock's, Embed's and the pigment report's CSVs (save_spectra_csv) kept the
    calibration but lost the tube: a Mo tube's spectrum read back with known_anode None."""
    from xrf_napari import read_cube
    from xrf_napari.analysis.export import save_cluster_spectra, save_spectra_csv
    from xrf_napari.detector import known_anode

    energy, counts = _spectrum()
    dock = save_spectra_csv(
        tmp_path / "dock.csv",
        {"mean": (energy, counts)},
        comments=["xrf-napari spectra, mean counts per pixel"],
        anode=anode,
    )
    regions = save_cluster_spectra(
        tmp_path / "regions.csv",
        energy,
        [counts, counts / 2],
        [10, 5],
        source="scan.h5",
        calibration="file",
        labels_file="regions.tif",
        anode=anode,
    )
    for path in (dock, regions):
        cube = read_cube(path)
        assert cube.metadata["anode"] == anode and known_anode(cube.metadata) == anode, path
        np.testing.assert_allclose(cube.energy, energy, atol=1e-9)


def test_guard_a_spectrum_csv_without_the_tube_line_reads_as_before(tmp_path):
    """A guard: an export without the tube line (an older one, or a scan of no known tube), or
    one whose line names no element, reads with no tube, as before."""
    from xrf_napari import read_cube
    from xrf_napari.analysis.export import save_spectra_csv
    from xrf_napari.detector import known_anode

    energy, counts = _spectrum()
    path = save_spectra_csv(tmp_path / "old.csv", {"mean": (energy, counts)})
    assert "tube" not in path.read_text()
    cube = read_cube(path)
    assert "anode" not in cube.metadata and known_anode(cube.metadata) is None
    odd = tmp_path / "odd.csv"
    odd.write_text("# tube anode: unknown\n" + path.read_text())
    assert "anode" not in read_cube(odd).metadata


def test_spectrum_dock_export_keeps_a_mo_tube(make_napari_viewer, qtbot, tmp_path):
    """The Spectrum dock's Export of a Mo tube's scan (the file names the tube) read back with
    known_anode None: the CSV kept the calibration, not the tube."""
    from _napari_helpers import CANONICAL_CAL, open_cube, painted_counts, wait_idle

    from xrf_napari import read_cube
    from xrf_napari.detector import known_anode
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    counts, _ = painted_counts(0)
    scan = tmp_path / "mo.h5"
    write_cube(scan, counts[:8, :8], CANONICAL_CAL, metadata={"profile": {"anode": "Mo"}})
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    dock.export_csv(tmp_path / "mean.csv")
    assert known_anode(read_cube(tmp_path / "mean.csv").metadata) == "Mo"
