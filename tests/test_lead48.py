"""Session 48's lead fixes."""

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube

HEADER = (
    "key\tvalue\nwidth\t3\nheight\t3\ndepth\t6\noffset\t0\ndata-length\t2\n"
    "data-type\tunsigned\nbyte-order\tlittle-endian\nrecord-by\tvector\n"
)


@pytest.mark.parametrize(
    "again",
    [
        "byte-order\tLittle-Endian",
        "byte-order\tintel",
        "data-type\tUNSIGNED",
        "data-type\tuint",
        "width\t03",
        "depth\t6.0",
        "record-by\tVector",
    ],
)
def test_a_ripple_key_repeated_with_the_same_meaning_is_read(tmp_path, again):
    """6392c5e refused a layout key given twice with two values, comparing them as written: a
    header repeating 'little-endian' as 'Little-Endian', 'unsigned' as 'uint' or width 3 as
    '03' was refused ("which one the data follows cannot be told") though the reader takes both
    alike. Fails on the parent: CubeReadError "gives 'byte-order' twice"."""
    (tmp_path / "scan.rpl").write_text(HEADER + again + "\n", encoding="latin-1")
    (tmp_path / "scan.raw").write_bytes(np.arange(54, dtype="<u2").tobytes())
    cube = read_cube(tmp_path / "scan.rpl", auto_calibrate=False)
    assert cube.shape == (3, 3, 6)
    assert np.asarray(cube.data)[0, 1, 2] == 8  # pixel (0, 1), channel 2 of a vector record


@pytest.mark.parametrize(
    ("again", "shown"),
    [("byte-order\tbig-endian", "'little-endian' then 'big-endian'"), ("width\t3.9e1", "'3' then")],
)
def test_a_ripple_key_repeated_with_another_meaning_is_still_refused(tmp_path, again, shown):
    """A guard: two meanings of one layout key are still refused, naming both."""
    (tmp_path / "scan.rpl").write_text(HEADER + again + "\n", encoding="latin-1")
    (tmp_path / "scan.raw").write_bytes(np.arange(54, dtype="<u2").tobytes())
    with pytest.raises(CubeReadError, match=f"twice, {shown}"):
        read_cube(tmp_path / "scan.rpl", auto_calibrate=False)


def test_two_outputs_leading_to_one_file_are_refused(tmp_path):
    """Since 5bcbb9d an output that is a symbolic link is written through: embed's
    g_latent.h5, a link to its g_labels.h5, had the latent written and then replaced by the
    labels, both said written. Fails on the parent: no OutputError (found by rev48c's review)."""
    from xrf_napari.fileutil import OutputError, check_outputs

    labels, latent = tmp_path / "g_labels.h5", tmp_path / "g_latent.h5"
    latent.symlink_to(labels.name)  # to a file not made yet
    with pytest.raises(OutputError, match="lead to one file"):
        check_outputs(files=[latent, labels])
    labels.write_bytes(b"old")  # and to one that is there
    with pytest.raises(OutputError, match=r"g_latent\.h5 and .*g_labels\.h5 lead to one file"):
        check_outputs(files=[latent, labels])
    check_outputs(files=[labels, labels])  # a guard: one output listed twice is one output
    latent.unlink()
    check_outputs(files=[latent, labels])  # a guard: two files


def test_a_replaced_result_keeps_its_permissions(tmp_path):
    """Every atomic write gave its result 0666 & ~umask: a result its owner had made private
    (chmod 600) was readable by others once replaced, written directly or through a link. Fails
    on the parent: 0o644 for 0o600."""
    import os

    from xrf_napari.analysis.recolour import save_rgb

    old = os.umask(0o022)
    try:
        private = tmp_path / "rgb.png"
        save_rgb(private, np.zeros((4, 4, 3), np.uint8))
        assert private.stat().st_mode & 0o777 == 0o644  # a guard: a new file, as open() makes it
        private.chmod(0o600)
        save_rgb(private, np.ones((4, 4, 3), np.uint8))
        assert private.stat().st_mode & 0o777 == 0o600
        link = tmp_path / "link.png"
        link.symlink_to(private.name)
        save_rgb(link, np.zeros((4, 4, 3), np.uint8))
        assert link.is_symlink() and private.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_the_advice_for_a_dashed_name_with_a_space_can_be_typed(capsys):
    """`pigments x.h5 -o "-l maps"` (-l is --labels) was told "write ./-l maps or
    --output=-l maps", which a shell splits into two words. Fails on the parent: no quotes."""
    from xrf_napari.cli.main import main

    with pytest.raises(SystemExit):
        main(["pigments", "x.h5", "-o", "-l maps"])
    said = capsys.readouterr().err
    assert "write './-l maps' or '--output=-l maps'" in said, said
