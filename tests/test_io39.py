"""Session 39 reader fixes: EMSA spectra without #XUNITS (the numbers decide keV or eV), every
value of an EMSA data line read, live times of 4-D per-detector-element HDF5 cubes (the
elements' mean, also for APS XRF-Maps), and 4-D line scans whose element axis is unambiguous."""

import h5py
import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube, read_spectrum

COUNTS = np.random.default_rng(39).integers(0, 500, size=4096)


def _msa(path, xperchan, offset, xunits=None, counts=COUNTS, datatype="Y", extra=""):
    head = (
        "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n"
        f"#NPOINTS     : {counts.size}\n#NCOLUMNS    : 1\n"
        + (f"#XUNITS      : {xunits}\n" if xunits is not None else "")
        + f"#XPERCHAN    : {xperchan}\n#OFFSET      : {offset}\n{extra}"
        + f"#DATATYPE    : {datatype}\n#SPECTRUM    :\n"
    )
    if datatype == "Y":
        body = "\n".join(f"{c}," for c in counts)
    else:
        e = offset + xperchan * np.arange(counts.size)
        body = "\n".join(f"{a:.5f}, {c}" for a, c in zip(e, counts))
    path.write_text(head + body + "\n#ENDOFDATA   :\n", encoding="utf-8")
    return path


# -- 1. EMSA without #XUNITS ---------------------------------------------------------------------
@pytest.mark.parametrize("datatype", ["Y", "XY"])
def test_emsa_without_xunits_in_kev_is_read_in_kev(tmp_path, datatype):
    """XPERCHAN 0.01, OFFSET -0.95 with no #XUNITS (optional in the standard): keV, as the axis
    ends at 40 (0.04 keV read as eV). It was taken for eV: the spectrum 1000x too low."""
    sp = read_spectrum(_msa(tmp_path / "k.msa", 0.01, -0.95, datatype=datatype))
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.gain == pytest.approx(0.01, rel=1e-6)
    assert sp.calibration.offset == pytest.approx(-0.95, abs=1e-6)
    assert sp.metadata["xunits_inferred"] == "kev"


@pytest.mark.parametrize("datatype", ["Y", "XY"])
def test_emsa_without_xunits_in_ev_stays_ev(tmp_path, datatype):
    sp = read_spectrum(_msa(tmp_path / "e.msa", 10.0, -950.0, datatype=datatype))
    assert sp.calibration.gain == pytest.approx(0.01, rel=1e-6)
    assert sp.calibration.offset == pytest.approx(-0.95, abs=1e-6)
    assert sp.metadata["xunits_inferred"] == "ev"


@pytest.mark.parametrize("xperchan", [0.2, 2e-5])  # ends at 819 (eV: 0.8 keV), at 0.08 (keV)
def test_emsa_without_xunits_fitting_neither_unit_is_set_aside(tmp_path, xperchan):
    with pytest.warns(UserWarning, match="fits an X-ray spectrum in neither") as told:
        sp = read_spectrum(_msa(tmp_path / "odd.msa", xperchan, 0.0))
    assert sp.calibration.source == "none"  # set aside, as in every format (it was refused)
    msg = str(told[0].message)
    assert "odd.msa" in msg and "no #XUNITS" in msg and f"#XPERCHAN {xperchan:g}" in msg
    assert "#XUNITS : keV" in msg


def test_explicit_xunits_stays_authoritative(tmp_path):
    """'#XUNITS: eV' over numbers that look like keV is taken at its word (the calibration's
    plausibility check, not the reader, judges it: read_spectrum sets it aside since session
    63, saying the gain read in the file's unit)."""
    with pytest.warns(UserWarning, match=r"gain 1e-05 keV/channel .* 1000 times that"):
        sp = read_spectrum(_msa(tmp_path / "x.msa", 0.01, -0.95, xunits="eV"))
    assert "xunits_inferred" not in sp.metadata
    with pytest.warns(UserWarning, match=r"gain 10 keV/channel .* a thousandth of that"):
        read_spectrum(_msa(tmp_path / "y.msa", 10.0, 0.0, xunits="keV", counts=COUNTS[:8]))


def test_emsa_unit_suffix_on_xperchan_names_the_unit(tmp_path):
    """ISO 22029 '#XPERCHAN -keV: 0.01' says its unit on the keyword (it was read as eV)."""
    p = _msa(tmp_path / "s.msa", 0.01, -0.95)
    p.write_text(
        p.read_text(encoding="utf-8").replace("#XPERCHAN    : 0.01", "#XPERCHAN -keV: 0.01"),
        encoding="utf-8",
    )
    sp = read_spectrum(p)
    assert sp.calibration.gain == pytest.approx(0.01)
    assert "xunits_inferred" not in sp.metadata  # the keyword's unit, not the numbers, decided


def test_emsa_y_lines_wider_than_ncolumns_lose_no_counts(tmp_path):
    """'#NCOLUMNS : 1' over lines of four counts (a writer's wrong NCOLUMNS, no NPOINTS): three
    of every four counts were dropped silently."""
    rows = [", ".join(str(v) for v in COUNTS[i : i + 4]) for i in range(0, 1024, 4)]
    p = tmp_path / "w.msa"
    p.write_text(
        "#FORMAT : EMSA/MAS Spectral Data File\n#NCOLUMNS : 1\n#XUNITS : keV\n#XPERCHAN : 0.02\n"
        "#OFFSET : 0\n#DATATYPE : Y\n#SPECTRUM :\n" + "\n".join(rows) + "\n#ENDOFDATA :\n",
        encoding="utf-8",
    )
    np.testing.assert_array_equal(read_spectrum(p).counts, COUNTS[:1024])


def test_emsa_xy_lines_of_two_pairs_lose_no_counts(tmp_path):
    """HyperSpy reads (and some writers write) two x, y pairs a line with NCOLUMNS 2; the
    second pair of every line was dropped."""
    e = 0.02 * np.arange(1024)
    rows = [f"{e[i]:.3f}, {COUNTS[i]}, {e[i + 1]:.3f}, {COUNTS[i + 1]}" for i in range(0, 1024, 2)]
    p = tmp_path / "xy.msa"
    p.write_text(
        "#FORMAT : EMSA/MAS Spectral Data File\n#NPOINTS : 1024\n#NCOLUMNS : 2\n#XUNITS : keV\n"
        "#DATATYPE : XY\n#SPECTRUM :\n" + "\n".join(rows) + "\n#ENDOFDATA :\n",
        encoding="utf-8",
    )
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS[:1024])
    assert sp.calibration.gain == pytest.approx(0.02)


# -- 2. live times of 4-D detector-element cubes -------------------------------------------------
C = 128
ENERGY = 0.5 + 0.15 * np.arange(C)


def _h5(path, data, live=None, live_name="live_time", axes=None, energy=True):
    with h5py.File(path, "w") as f:
        g = f.create_group("entry/xspress3")
        g.create_dataset("data", data=data)
        if energy:
            g.create_dataset("energy", data=ENERGY)
        if live is not None:
            g.create_dataset(live_name, data=live)
        if axes is not None:
            g.attrs["axes"] = axes
    return path


@pytest.mark.parametrize("order", ["H W det C", "det H W C"])
@pytest.mark.parametrize("name", ["live_time", "livetime", "elapsed_live_time"])
def test_detector_element_live_times_are_read_as_their_mean(tmp_path, order, name):
    rng = np.random.default_rng(1)
    live = rng.uniform(0.8, 1.0, size=(20, 17, 4))  # (H, W, elements)
    data = rng.integers(0, 50, size=(20, 17, 4, C)).astype(np.uint16)
    if order == "det H W C":
        live, data = np.moveaxis(live, 2, 0), np.moveaxis(data, 2, 0)
    cube = read_cube(_h5(tmp_path / "x.h5", data, live, name), auto_calibrate=False)
    want = live.mean(axis=2) if order == "H W det C" else live.mean(axis=0)
    np.testing.assert_allclose(np.asarray(cube.live_time), want)
    assert "mean of the 4 detector elements" in cube.metadata["live_time_note"]


def test_detector_live_times_in_the_other_order_and_per_pixel(tmp_path):
    rng = np.random.default_rng(2)
    data = rng.integers(0, 50, size=(20, 17, 3, C)).astype(np.uint16)
    live = rng.uniform(0.8, 1.0, size=(3, 20, 17))  # (elements, H, W) beside (H, W, elements, C)
    cube = read_cube(_h5(tmp_path / "a.h5", data, live), auto_calibrate=False)
    np.testing.assert_allclose(np.asarray(cube.live_time), live.mean(axis=0))
    per_pixel = rng.uniform(0.8, 1.0, size=(20, 17))
    cube = read_cube(_h5(tmp_path / "b.h5", data, per_pixel, "livetime"), auto_calibrate=False)
    np.testing.assert_allclose(np.asarray(cube.live_time), per_pixel)
    cube = read_cube(_h5(tmp_path / "c.h5", data, rng.uniform(size=(5, 5))), auto_calibrate=False)
    assert cube.live_time is None  # another shape is not this cube's live time


def test_aps_live_time_is_the_elements_mean_never_above_the_real_time(real_data):
    """APS XRF-Maps stores livetime and realtime (4, H, W): the 4 elements' live times had been
    SUMMED, 4.8 s of live time in a 1.2 s pixel."""
    path = real_data / "aps_xrfmaps_2xfm_0011.h5"
    cube = read_cube(path, auto_calibrate=False)
    with h5py.File(path, "r") as f:
        live = f["MAPS_RAW/livetime"][()].astype(np.float64)
        real = f["MAPS_RAW/realtime"][()].astype(np.float64)
    np.testing.assert_allclose(np.asarray(cube.live_time), live.mean(axis=0))
    assert np.all(np.asarray(cube.live_time) <= real.mean(axis=0) + 1e-6)


# -- 2b. line scans and narrow images of detector elements -----------------------------------------
@pytest.mark.parametrize(
    ("shape", "det_axis"),
    [((60, 1, 4, C), 2), ((30, 8, 4, C), 2), ((3, 8, 40, C), 0), ((4, 1, 40, C), 0)],
)
def test_a_4d_shape_with_one_possible_element_axis_is_read(tmp_path, shape, det_axis):
    """Images of 16 pixels or fewer a side were all refused; where only the first or the last
    non-channel axis is small enough for detector elements (the middle one never is) the reading
    is unique."""
    data = np.random.default_rng(3).integers(0, 50, size=shape).astype(np.uint16)
    cube = read_cube(_h5(tmp_path / "s.h5", data), auto_calibrate=False)
    np.testing.assert_array_equal(
        np.asarray(cube.data[...], np.int64), data.sum(axis=det_axis, dtype=np.int64)
    )
    assert cube.metadata["detector_elements"] == shape[det_axis]


@pytest.mark.parametrize(
    "axes", [["y", "x", ".", "energy"], [".", ".", "detector_element", "energy"]]
)
def test_a_line_scan_is_read_when_the_axis_names_say_which_axis_holds_elements(tmp_path, axes):
    data = np.random.default_rng(4).integers(0, 50, size=(1, 40, 4, C)).astype(np.uint16)
    live = np.full((1, 40, 4), 0.5)
    cube = read_cube(_h5(tmp_path / "l.h5", data, live, axes=axes), auto_calibrate=False)
    assert cube.shape == (1, 40, C) and cube.metadata["detector_elements"] == 4
    np.testing.assert_array_equal(
        np.asarray(cube.data[...], np.int64), data.sum(axis=2, dtype=np.int64)
    )
    np.testing.assert_allclose(np.asarray(cube.live_time), np.full((1, 40), 0.5))


def test_a_line_scan_with_dimension_labels_is_read(tmp_path):
    data = np.random.default_rng(5).integers(0, 50, size=(1, 40, 4, C)).astype(np.uint16)
    path = _h5(tmp_path / "d.h5", data)
    with h5py.File(path, "a") as f:
        f["entry/xspress3/data"].dims[2].label = "element"
    assert read_cube(path, auto_calibrate=False).shape == (1, 40, C)


def test_a_truly_ambiguous_line_scan_is_still_refused(tmp_path):
    """(1, 40, 4, C) without axis names: a 40-pixel line of 4 elements, or one element over a
    40 x 4 image; the shape cannot tell."""
    data = np.zeros((1, 40, 4, C), np.uint16)
    with pytest.raises(CubeReadError) as err:
        read_cube(_h5(tmp_path / "amb.h5", data, axes=[".", ".", ".", "energy"]))
    msg = str(err.value)
    assert "(1, 40, 4, 128)" in msg and "either could hold the detector elements" in msg


# -- 3. audit: CSV tables with several axis columns ------------------------------------------------
@pytest.mark.parametrize(
    ("sep", "header"),
    [
        (",", "channel,energy,counts"),
        (";", "Channel;Energy (keV);Counts"),
        ("\t", "channel\tkeV\tcts"),
    ],
)
def test_csv_channel_energy_counts_table_reads_the_counts(tmp_path, sep, header):
    """'channel,energy,counts' (a common export): the second column, the energies, had been taken
    for the counts, so the spectrum was an energy ramp, uncalibrated; a semicolon or tab header
    was one name, so such a table was refused."""
    e = 0.01 * np.arange(1024)
    rows = [sep.join((str(i), f"{a:.4f}", str(n))) for i, a, n in zip(range(1024), e, COUNTS)]
    p = tmp_path / "t.csv"
    p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS[:1024])
    assert sp.calibration.source == "file" and sp.calibration.gain == pytest.approx(0.01)
    assert sp.metadata["column"] == header.split(sep)[2]


def test_csv_channel_then_curves_keeps_channel_numbers(tmp_path):
    rows = [f"{i + 10},{n},{2 * n}" for i, n in enumerate(COUNTS[:256])]
    p = tmp_path / "c.csv"
    p.write_text("channel,mean,max\n" + "\n".join(rows) + "\n", encoding="utf-8")
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS[:256])
    assert sp.calibration.source == "none" and sp.metadata["first_channel"] == 10


def test_csv_export_curve_named_like_an_axis_word_stays_a_curve(tmp_path):
    """The Spectrum dock's wide export (energy_keV, then one column per curve): a region the
    user named 'everything' is a curve, not a second axis column."""
    rows = [f"{0.02 * i:.3f},{n},{n + 1}" for i, n in enumerate(COUNTS[:256])]
    p = tmp_path / "x.csv"
    p.write_text("energy_keV,everything,mean\n" + "\n".join(rows) + "\n", encoding="utf-8")
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS[:256])
    assert sp.metadata["column"] == "everything"


# -- 3. audit: channel-first .npy / .npz ----------------------------------------------------------
def test_channel_first_npy_is_read_channel_first_with_a_warning(tmp_path):
    """np.save of a (C, H, W) cube (PyTorch's order, napari's layer order): it opened as 1024 x
    40 pixels of 50 channels, silently; the same array in an .h5 reads 40 x 50 x 1024."""
    stored = np.random.default_rng(6).integers(0, 9, size=(1024, 40, 50)).astype(np.uint16)
    path = tmp_path / "cf.npy"
    np.save(path, stored)
    with pytest.warns(UserWarning, match='"channel_axis": "last"'):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (40, 50, 1024) and cube.metadata["channel_axis"] == "first"
    np.testing.assert_array_equal(
        np.asarray(cube.data[3:5, 7:9]), stored[:, 3:5, 7:9].transpose(1, 2, 0)
    )
    np.savez(tmp_path / "cf.npz", counts=stored)
    with pytest.warns(UserWarning, match="read as 40 x 50 pixels of 1024 channels"):
        assert read_cube(tmp_path / "cf.npz", auto_calibrate=False).shape == (40, 50, 1024)


def test_the_sidecar_channel_axis_decides_an_npy_layout(tmp_path):
    stored = np.random.default_rng(7).integers(0, 9, size=(1024, 40, 50)).astype(np.uint16)
    np.save(tmp_path / "a.npy", stored)
    (tmp_path / "a.json").write_text('{"channel_axis": "last"}', encoding="utf-8")
    assert read_cube(tmp_path / "a.npy", auto_calibrate=False).shape == (1024, 40, 50)
    wide = np.zeros((2048, 70, 90), np.uint16)  # both end axes could hold the channels
    np.save(tmp_path / "b.npy", wide)
    with pytest.warns(
        UserWarning, match='suggests 70 x 90 pixels of 2048 channels.*"channel_axis": "first"'
    ):
        assert read_cube(tmp_path / "b.npy", auto_calibrate=False).shape == (2048, 70, 90)
    (tmp_path / "b.json").write_text('{"channel_axis": "first"}', encoding="utf-8")
    assert read_cube(tmp_path / "b.npy", auto_calibrate=False).shape == (70, 90, 2048)
    (tmp_path / "b.json").write_text('{"channel_axis": "middle"}', encoding="utf-8")
    with pytest.raises(CubeReadError, match="b.json.*channel_axis"):
        read_cube(tmp_path / "b.npy", auto_calibrate=False)


@pytest.mark.parametrize(
    "shape", [(256, 256, 32), (100, 120, 2048), (9, 7, 40), (64, 80, 512), (64, 3, 16)]
)
def test_channel_last_npy_shapes_are_unchanged_and_quiet(tmp_path, shape):
    import warnings

    np.save(tmp_path / "c.npy", np.zeros(shape, np.uint16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_cube(tmp_path / "c.npy", auto_calibrate=False).shape == shape


# -- 3. audit: a cube saved with tifffile's defaults ---------------------------------------------
def test_tifffile_imwrite_of_an_hwc_cube_reads_back_hwc(tmp_path):
    """tifffile.imwrite(path, cube) of a 30 x 40 x 1024 (H, W, C) cube writes 30 pages of 40 x 1024
    (axes 'QYX'): taken for a page stack of channels, it opened as 40 x 1024 pixels of 30
    channels, silently."""
    import tifffile

    stored = np.random.default_rng(8).integers(0, 9, size=(30, 40, 1024)).astype(np.uint16)
    path = tmp_path / "cube.tif"
    tifffile.imwrite(path, stored)
    with pytest.warns(
        UserWarning, match='30 x 40 pixels of 1024 channels.*"channel_axis": "first"'
    ):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (30, 40, 1024) and cube.metadata["channel_axis"] == "last"
    np.testing.assert_array_equal(np.asarray(cube.data[5:7, 3:4]), stored[5:7, 3:4])
    (tmp_path / "cube.json").write_text('{"channel_axis": "first"}', encoding="utf-8")
    assert read_cube(path, auto_calibrate=False).shape == (40, 1024, 30)  # the user's word


@pytest.mark.parametrize("shape", [(512, 30, 40), (256, 64, 64), (64, 3, 16)])
def test_a_page_stack_of_channels_still_reads_channel_first_quietly(tmp_path, shape):
    import warnings

    import tifffile

    stored = np.zeros(shape, np.uint16)
    tifffile.imwrite(tmp_path / "s.tif", stored)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(tmp_path / "s.tif", auto_calibrate=False)
    assert cube.shape == shape[1:] + shape[:1]


# -- 3. audit: a zarr store that is one array -----------------------------------------------------
def test_a_root_array_zarr_store_opens(tmp_path):
    """zarr.save(path, cube), the plainest zarr store (its root is the array), failed with
    'could not be read as zarr (UnboundLocalError ...)' since the channel-first change (c4b84eb)."""
    zarr = pytest.importorskip("zarr")
    stored = np.random.default_rng(9).integers(0, 9, size=(12, 10, 256)).astype(np.uint16)
    zarr.save(str(tmp_path / "hwc.zarr"), stored)
    cube = read_cube(tmp_path / "hwc.zarr", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), stored)
    zarr.save(str(tmp_path / "chw.zarr"), np.moveaxis(stored, -1, 0))  # napari's layer order
    with pytest.warns(UserWarning, match="read as 12 x 10 pixels of 256 channels"):
        cube = read_cube(tmp_path / "chw.zarr", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), stored)


# -- 3. audit: HDF5 NeXus energy axis in the middle; per-element live times beside a summed cube --
def test_nexus_axes_naming_the_middle_axis_energy_are_obeyed(tmp_path):
    """NXdata `axes` ["y", "energy", "x"] over (30, 1024, 40): the middle axis was taken for an
    image axis and the last for the channels, a 30 x 1024 image of 40 channels."""
    stored = np.random.default_rng(10).integers(0, 9, size=(30, 1024, 40)).astype(np.uint16)
    path = tmp_path / "nx.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("entry/data")
        g.attrs.update(NX_class="NXdata", signal="counts", axes=["y", "energy", "x"])
        g["counts"] = stored
        g["energy"] = 0.5 + 0.01 * np.arange(1024)
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (30, 40, 1024) and cube.metadata["channel_axis"] == "middle"
    np.testing.assert_array_equal(
        np.asarray(cube.data[4:6, 7:9]), stored[4:6, :, 7:9].transpose(0, 2, 1)
    )
    assert cube.calibration.source == "file" and cube.calibration.gain == pytest.approx(0.01)


@pytest.mark.parametrize("elements_first", [True, False])
def test_per_element_live_times_beside_a_summed_3d_cube_are_their_mean(tmp_path, elements_first):
    live = np.random.default_rng(11).uniform(0.8, 1.0, size=(4, 30, 40))
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as f:
        f["entry/data/data"] = np.zeros((30, 40, 1024), np.uint16)
        f["entry/data/live_time"] = live if elements_first else np.moveaxis(live, 0, -1)
    cube = read_cube(path, auto_calibrate=False)
    np.testing.assert_allclose(np.asarray(cube.live_time), live.mean(axis=0))
