"""Review of session 61's readers, HDF5 worker and CLI commits (revA61)."""

import pytest

#: An EMSA/MSA spectrum of XY data lines ("energy, counts"), as DTSA-II or an EDS program writes.
_EMSA = (
    "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n#NPOINTS     : 4\n"
    "#NCOLUMNS    : 1\n#XUNITS      : keV\n#XPERCHAN    : 0.01\n#OFFSET      : 0.0\n"
    "#DATATYPE    : XY\n#SPECTRUM    :\n0.00, 1\n0.01, 2\n0.02, 3\n0.03, 4\n#ENDOFDATA   :\n"
)


@pytest.mark.parametrize("suffix", [".csv", ".mca"])
def test_an_emsa_spectrum_named_csv_or_mca_is_still_read(tmp_path, suffix):
    """An EMSA spectrum saved as .csv or .mca read as its XY columns until 5325375, whose test
    of what a text file is (io.limits.text_format) refused it before its reading: 'not a
    spectrum table: it is an EMSA/MSA spectrum: rename it .msa'. Those two readers read an
    EMSA's data lines, so it is read as before. Fails on the parent: refused."""
    from xrf_napari.io import read_spectrum

    path = tmp_path / f"spectrum{suffix}"
    path.write_text(_EMSA, encoding="utf-8")
    assert read_spectrum(path).counts.tolist() == [1, 2, 3, 4]


def test_a_multi_file_ome_tiff_is_not_told_truncated(tmp_path):
    """An OME-TIFF whose planes lie in two files (a.ome.tif, b.ome.tif: OME-XML TiffData naming
    each) read as one cube until 0791999, whose check of the image data against the file's size
    (io.arrays._data_cut) took the last plane's offsets, in b, for a's: 'the TIFF is truncated
    (its image data runs to byte ..., the file holds ...)'. Only the file's own pages are
    checked. Fails on the parent: refused."""
    import numpy as np
    import tifffile

    from xrf_napari.io.arrays import read_tiff

    c, h, w = 80, 6, 7
    ids = {"a": "urn:uuid:" + "1" * 32, "b": "urn:uuid:" + "2" * 32}
    planes = "".join(
        f'<TiffData FirstC="{i * c // 2}" IFD="0" PlaneCount="{c // 2}"><UUID '
        f'FileName="{n}.ome.tif">{ids[n]}</UUID></TiffData>'
        for i, n in enumerate("ab")
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/'
        f'Schemas/OME/2016-06" UUID="{ids["a"]}"><Image ID="Image:0"><Pixels ID="Pixels:0" '
        f'DimensionOrder="XYCZT" Type="uint16" SizeX="{w}" SizeY="{h}" SizeC="{c}" SizeZ="1" '
        f'SizeT="1"><Channel ID="Channel:0:0" SamplesPerPixel="1"/>{planes}</Pixels></Image></OME>'
    )
    values = np.arange(c * h * w, dtype=np.uint16).reshape(c, h, w)
    pad = [(65000, "s", 0, "x" * 20000, False)]  # b's planes lie past a's end
    tifffile.imwrite(tmp_path / "a.ome.tif", values[: c // 2], description=xml, metadata=None)
    tifffile.imwrite(
        tmp_path / "b.ome.tif", values[c // 2 :], description=xml, metadata=None, extratags=pad
    )
    cube = read_tiff(tmp_path / "a.ome.tif")
    assert np.array_equal(np.asarray(cube.data[2, 3]), values[:, 2, 3])
