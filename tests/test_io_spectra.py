import numpy as np
import pytest
from _io_helpers import fingerprint

from xrf_napari.io import CubeReadError, read_cube, read_spectrum

COUNTS = np.random.default_rng(2).integers(0, 1000, size=256)


def test_real_bruker_spx(real_data):
    path = real_data / "bruker_m6_jetstream_file_example.spx"
    before = fingerprint(path)
    sp = read_spectrum(path)
    assert sp.counts.shape == (4096,) and sp.counts.dtype.kind == "i"
    assert sp.calibration.source == "file"
    assert sp.calibration.offset == pytest.approx(-0.9555, abs=1e-4)
    assert sp.calibration.gain == pytest.approx(0.009999)
    assert sp.metadata["anode"] == "Rh" and sp.metadata["kV"] == 50.0
    assert sp.metadata["detector"] == "XFlash 430"
    assert sp.metadata["sigma_lin"] == pytest.approx(4.466391048e-4)
    assert sp.metadata["live_time_s"] == pytest.approx(28.046)
    assert sp.counts.sum() > 1e5 and sp.counts.argmax() > 50  # the zero peak near channel 96
    cube = read_cube(path)  # a single spectrum opens as a 1 x 1 x C cube
    assert cube.shape == (1, 1, 4096) and cube.metadata["anode"] == "Rh"
    assert cube.metadata["calibration_source"] == "file"
    assert fingerprint(path) == before


def test_real_pymca_mca(real_data):
    path = real_data / "pymca_XRFSpectrum.mca"
    sp = read_spectrum(path)
    assert sp.counts.shape == (4096,)  # one column, 4096 channels after the comment lines
    assert sp.calibration.source == "none"  # the file says: 'Calibrate the data'
    raw = [float(x) for x in path.read_text().splitlines() if x.strip() and not x.startswith("#")]
    np.testing.assert_array_equal(sp.counts, raw)


def test_mca_two_columns_and_spec_calib(tmp_path):
    p = tmp_path / "two.mca"
    p.write_text("# channel count\n" + "\n".join(f"{i} {c}" for i, c in enumerate(COUNTS)))
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.source == "none"
    q = tmp_path / "spec.mca"
    body = " ".join(str(c) for c in COUNTS[:128]) + "\\\n" + " ".join(str(c) for c in COUNTS[128:])
    q.write_text(f"#S 1 test\n#@CALIB 0.1 0.01 0\n@A {body}\n")
    sp = read_spectrum(q)
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert (sp.calibration.offset, sp.calibration.gain) == (0.1, 0.01)


@pytest.mark.parametrize("units, scale", [("eV", 1000.0), ("keV", 1.0)])
def test_emsa_y_and_xy(tmp_path, units, scale):
    head = (
        "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n#NPOINTS     : "
        f"{COUNTS.size}\n"
        f"#NCOLUMNS    : 4\n#XUNITS      : {units}\n#XPERCHAN    : {0.02 * scale}\n#OFFSET      : "
        f"{-0.3 * scale}\n"
        "#BEAMKV      : 40\n"
    )
    y = tmp_path / "y.msa"
    rows = [", ".join(str(v) for v in COUNTS[i : i + 4]) + "," for i in range(0, COUNTS.size, 4)]
    y.write_text(
        head + "#DATATYPE    : Y\n#SPECTRUM    :\n" + "\n".join(rows) + "\n#ENDOFDATA   :\n"
    )
    sp = read_spectrum(y)
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.offset == pytest.approx(-0.3) and sp.calibration.gain == pytest.approx(
        0.02
    )
    assert sp.metadata["kV"] == 40
    xy = tmp_path / "xy.emsa"
    e = (-0.3 + 0.02 * np.arange(COUNTS.size)) * scale
    xy.write_text(
        head
        + "#DATATYPE    : XY\n#SPECTRUM    :\n"
        + "\n".join(f"{a:.4f}, {c}" for a, c in zip(e, COUNTS))
        + "\n#ENDOFDATA   :\n"
    )
    sp = read_spectrum(xy)
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.gain == pytest.approx(0.02, rel=1e-4)


def test_csv_energy_counts_and_counts_only(tmp_path):
    p = tmp_path / "s.csv"
    e = 0.5 + 0.01 * np.arange(COUNTS.size)
    p.write_text("energy_keV,counts\n" + "\n".join(f"{a:.3f},{c}" for a, c in zip(e, COUNTS)))
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.offset == pytest.approx(0.5) and sp.calibration.gain == pytest.approx(
        0.01
    )
    q = tmp_path / "c.csv"
    q.write_text("\n".join(str(c) for c in COUNTS))
    assert read_spectrum(q).calibration.source == "none"


def test_bad_spectra(tmp_path):
    p = tmp_path / "neg.csv"
    p.write_text("1\n2\n-3\n4\n")
    with pytest.raises(CubeReadError, match="neg.csv.*negative"):
        read_spectrum(p)
    q = tmp_path / "bad.spx"
    q.write_text("<TRTSpectrum><ClassInstance Type='TRTSpectrum'></ClassInstance></TRTSpectrum>")
    with pytest.raises(CubeReadError, match="bad.spx.*Channels"):
        read_spectrum(q)
    r = tmp_path / "bad.msa"
    r.write_text("#NPOINTS : 3\n#SPECTRUM :\n1,2,3\n")
    with pytest.raises(CubeReadError, match="EMSA"):
        read_spectrum(r)


def test_bcf_real_or_clear_error(real_data):
    path = real_data / "16x16_12bit_packed_8bit.bcf"
    try:
        import rsciio  # noqa: F401
    except ImportError:
        with pytest.raises(CubeReadError, match="rosettasciio.*rpl/.raw"):
            read_cube(path)
        pytest.skip(
            "rosettasciio not installed (optional extra 'bcf'): checked the advice message only"
        )
    cube = read_cube(path)
    assert cube.shape[:2] == (16, 16) and cube.calibration.source == "file"


# -- ASCII SPE (AMETEK: EDAX / ORTEC MAESTRO) ------------------------------------------------------
def _spe(counts, extra="", first=0):
    body = "\n".join(
        " ".join(str(int(v)) for v in counts[i : i + 8]) for i in range(0, len(counts), 8)
    )
    return (
        "$SPEC_ID:\nbrass test\n$SPEC_REM:\nDET# 1\n$DATE_MEA:\n11/30/2026 10:00:00\n$MEAS_TIM:\n"
        f"98 100\n$DATA:\n{first} {first + len(counts) - 1}\n{body}\n{extra}"
    )


def test_spe_counts_calibration_and_times(tmp_path):
    p = tmp_path / "brass.spe"
    p.write_text(
        _spe(COUNTS, "$ROI:\n0\n$MCA_CAL:\n3\n-9.5E+002 1.0E+001 0.0E+000 eV\n$ENDRECORD:\n")
    )
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.source == "file"
    assert sp.calibration.offset == pytest.approx(-0.95) and sp.calibration.gain == pytest.approx(
        0.01
    )
    assert sp.metadata["live_time_s"] == 98 and sp.metadata["real_time_s"] == 100
    assert sp.metadata["title"] == "brass test"
    cube = read_cube(p, auto_calibrate=False)
    assert cube.shape == (1, 1, COUNTS.size) and cube.metadata["format"] == "spe"


def test_spe_ener_fit_first_channel_and_no_calibration(tmp_path):
    p = tmp_path / "a.spe"
    p.write_text(_spe(COUNTS, "$ENER_FIT:\n0.1 0.02\n", first=10))
    sp = read_spectrum(p)
    assert sp.calibration.offset == pytest.approx(0.1 + 0.02 * 10)  # counts start at channel 10
    assert sp.calibration.gain == pytest.approx(0.02)
    p.write_text(_spe(COUNTS))
    assert read_spectrum(p).calibration.source == "none"


@pytest.mark.parametrize(
    "text, match",
    [
        (_spe(COUNTS).replace(f"0 {COUNTS.size - 1}", f"0 {COUNTS.size + 5}"), "holds 256 values"),
        (_spe(COUNTS).replace(f"0 {COUNTS.size - 1}", "0 inf"), "channel range"),
        ("$SPEC_ID:\nno data\n", "no \\$DATA"),
    ],
)
def test_spe_errors(tmp_path, text, match):
    p = tmp_path / "bad.spe"
    p.write_text(text)
    with pytest.raises(CubeReadError, match=match):
        read_spectrum(p)
    binary = tmp_path / "ccd.spe"
    binary.write_bytes(b"\0" * 4100 + b"$DATA:")
    with pytest.raises(CubeReadError, match="WinView"):
        read_cube(binary)


def test_spec_mca_several_spectra_and_a_first_channel(tmp_path):
    """SPEC keeps one `@A` block per point: two used to be joined into one spectrum twice as long;
    `#@CHANN n first last reduction` says the counts start at `first`, where `#@CALIB` counts
    from channel 0."""
    two = tmp_path / "two_points.mca"
    a, b = " ".join(map(str, COUNTS[:128])), " ".join(map(str, COUNTS[128:]))
    two.write_text(f"#S 1 scan\n#@CALIB 0.1 0.01 0\n@A {a}\n#S 2 scan\n@A {b}\n")
    with pytest.raises(CubeReadError, match=r"two_points.mca.*holds 2 spectra"):
        read_spectrum(two)
    shifted = tmp_path / "shifted.mca"
    shifted.write_text(
        f"#@CHANN 256 100 355 1\n#@CALIB 0.1 0.02 0\n@A {' '.join(map(str, COUNTS))}\n"
    )
    sp = read_spectrum(shifted)
    assert sp.calibration.energy(1)[0] == pytest.approx(0.1 + 0.02 * 100)  # channel 100's energy
    bad = tmp_path / "bad.mca"
    bad.write_text(f"@A {a} x12\n")
    with pytest.raises(CubeReadError, match="unexpected value in an @A data line"):
        read_spectrum(bad)


def _amptek(path, label, factor):
    unit = f"LABEL - {label}\n" if label else ""
    path.write_text(
        "<<PMCA SPECTRUM>>\nREAL_TIME - 60.5\nLIVE_TIME - 59.0\n"
        f"<<CALIBRATION>>\n{unit}100 {2.1 * factor}\n300 {6.1 * factor}\n"
        "<<DATA>>\n" + "\n".join(map(str, COUNTS)) + "\n<<END>>\n"
    )
    return path


@pytest.mark.parametrize("label, factor", [("eV", 1000.0), ("keV", 1.0), (None, 1.0)])
def test_amptek_calibration_points_in_their_unit(tmp_path, label, factor):
    sp = read_spectrum(_amptek(tmp_path / "amptek.mca", label, factor))  # eV used to read as keV
    assert sp.calibration.gain == pytest.approx(0.02) and sp.calibration.offset == pytest.approx(
        0.1
    )
    assert sp.metadata["live_time_s"] == 59.0


def test_amptek_calibration_in_channels_is_not_energy(tmp_path):
    with pytest.warns(UserWarning, match="units 'Channel' in <<CALIBRATION>> points .* set aside"):
        sp = read_spectrum(_amptek(tmp_path / "amptek.mca", "Channel", 1.0))
    assert sp.calibration.source == "none"
