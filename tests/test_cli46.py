"""Session 46, cli46: the ripple header's text decoding, one wording of a scan's size, and the
command lines walked with bad input."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.io import ripple


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8-sig"),  # Notepad's "UTF-8 with BOM"
        lambda t: t.encode("utf-16"),  # Notepad's "Unicode": a BOM, then little-endian
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-16-le"),  # no BOM: known by the NUL beside each character
        lambda t: t.encode("utf-32"),
    ],
    ids=["utf8-bom", "utf16-bom", "utf16-be-bom", "utf16-le-no-bom", "utf32-bom"],
)
def test_a_ripple_header_saved_in_another_unicode_encoding_opens(tmp_path, encode):
    """The .rpl header is decoded as the text spectra are (limits.decode_text): a UTF-32 header
    or a UTF-16 one without a BOM was refused as "ripple key 'width' must be an integer, got
    '\\x003\\x00'" (UTF-8 with a BOM and UTF-16 with one opened already)."""
    counts = np.arange(2 * 3 * 4, dtype="<u2").reshape(2, 3, 4)
    rpl = ripple.write(tmp_path / "scan.rpl", counts)
    rpl.write_bytes(encode(rpl.read_text(encoding="ascii")))
    cube = ripple.read(rpl)
    assert cube.shape == (2, 3, 4)
    np.testing.assert_array_equal(np.asarray(cube.data), counts)
    assert "width" in cube.metadata["header"]  # no BOM glued onto the first key


def test_the_commands_say_a_non_square_scans_size_in_the_same_order(tmp_path, capsys):
    """embed, recolour and pigments say a 24 x 20 scan's size as cube.pixels_text does, H x W:
    pigments' refusal of a colour --labels image of the scan's size said "20 x 24 px", width
    first, where the other commands said "24 x 20 px"."""
    import re

    from _cli_models import save_tiny_models, weights_args, write_toy_scan
    from PIL import Image

    from xrf_napari.cli.main import main
    from xrf_napari.cube import pixels_text

    scan, _counts, _labels = write_toy_scan(tmp_path / "scan.h5", 24, 20, n_regions=3)
    save_tiny_models(tmp_path)
    said = {}
    args = ["--weights", str(tmp_path / "dve.safetensors"), "--no-progress"]
    assert main(["embed", str(scan), "-o", str(tmp_path / "e"), "--device", "cpu", *args]) == 0
    said["embed"] = capsys.readouterr().out
    png = tmp_path / "rgb.png"
    assert main(["recolour", str(scan), "-o", str(png), *weights_args(tmp_path)]) == 0
    said["recolour"] = capsys.readouterr()
    said["recolour"] = said["recolour"].err + said["recolour"].out
    Image.fromarray(np.zeros((24, 20, 3), np.uint8)).save(tmp_path / "labels.png")
    report = tmp_path / "report"
    assert main(["pigments", str(scan), "-l", str(tmp_path / "labels.png"), "-o", str(report)]) == 2
    said["pigments"] = capsys.readouterr().err
    assert not report.exists()
    for command, text in said.items():
        sizes = set(re.findall(r"\b\d+ x \d+ px\b", text))
        assert sizes == {pixels_text((24, 20))} == {"24 x 20 px"}, (command, text)


def test_the_photograph_checks_say_sizes_height_first():
    """The --photo checks said "12 x 4 px (width x height), the scan 6 x 4 px" and "the photograph
    is 300 x 200 px" (width first) where every other message says H x W (cube.pixels_text)."""
    from xrf_napari.analysis.colour_prior import check_photo, check_photo_memory

    with pytest.raises(ValueError) as aspect:
        check_photo((4, 12, 3), (4, 6))
    assert "the photograph is 4 x 12 px, the scan 4 x 6 px: " in str(aspect.value), aspect.value
    with pytest.raises(ValueError) as memory:
        check_photo_memory((200, 300, 3), 1, "photo.png", budget=1000)
    assert "photo.png: the photograph is 200 x 300 px (0 Mpx)" in str(memory.value), memory.value


def test_evaluate_names_a_missing_baseline_by_its_option_before_loading_models(
    tmp_path, capsys, monkeypatch
):
    """`evaluate --baseline MISSING` said "weights file not found: MISSING", naming no option
    (--weights and --embedder say "--weights PATH: no such weights file"), after loading both
    models; now it is refused first, as they are."""
    import xrf_napari.analysis.recolour as recolour_mod
    from xrf_napari.cli.train import main

    def no_models(*_a, **_k):
        raise AssertionError("a model was loaded before --baseline was checked")

    monkeypatch.setattr(recolour_mod, "load_recolouriser", no_models)
    missing = tmp_path / "no such.safetensors"
    data = tmp_path / "set"
    data.mkdir()
    assert main(["evaluate", "--data", str(data), "--baseline", str(missing)]) == 2
    assert f"error: --baseline {missing}: no such weights file" in capsys.readouterr().err


def test_a_write_protected_output_file_is_refused_and_kept(tmp_path, capsys):
    """An output file its owner made read-only (chmod a-w) was silently replaced: the atomic write
    renames a new file over it, which only the folder's permission governs. Now the command is
    refused before any work, naming the file, and the file is left as it was."""
    import os

    from _cli_models import write_toy_scan

    from xrf_napari.cli.main import main

    scan, _counts, _labels = write_toy_scan(tmp_path / "scan.h5", 2, 3, n_regions=1)
    kept = tmp_path / "rgb.png"
    kept.write_bytes(b"the user's own picture")
    kept.chmod(0o444)
    try:
        assert main(["recolour", str(scan), "-o", str(kept), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"cannot write {kept}: the file is read-only (write-protected)" in err, err
        assert kept.read_bytes() == b"the user's own picture"
        assert oct(os.stat(kept).st_mode & 0o777) == oct(0o444)
    finally:
        kept.chmod(0o644)


def test_quicklook_keeps_a_write_protected_map_file(tmp_path, capsys):
    """quicklook checked only its spectrum's file before the work, so a map's PNG its owner had
    write-protected was replaced; now the maps' files are checked once named, and nothing is
    written."""
    from pathlib import Path

    from xrf_napari.cli.main import main

    panel = Path(__file__).resolve().parents[1] / "src" / "xrf_napari" / "sample_data" / "panel.h5"
    out = tmp_path / "ql"
    out.mkdir()
    kept = out / "panel_Fe_Ka.png"
    kept.write_bytes(b"the user's own map")
    kept.chmod(0o444)
    try:
        args = ["quicklook", str(panel), "-o", str(out), "--elements", "Fe", "--no-progress"]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"cannot write {kept}: the file is read-only (write-protected)" in err, err
        assert kept.read_bytes() == b"the user's own map"
        assert sorted(p.name for p in out.iterdir()) == ["panel_Fe_Ka.png"]
    finally:
        kept.chmod(0o644)


def test_a_folder_given_as_the_scan_is_called_a_folder(tmp_path, capsys):
    """A folder (one holding the scan, say) given as the input was refused as "unsupported file
    type '(no suffix)'", as if it were a file; now it is named a directory, with what to give."""
    from xrf_napari.cli.main import main

    folder = tmp_path / "scans"
    folder.mkdir()
    assert main(["info", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"error: {folder}: is a directory, not a scan: give the scan's file in it" in err, err
    assert "file type" not in err


def test_a_line_break_in_a_file_name_keeps_each_message_on_one_line(tmp_path, capsys):
    """A name holding a line break split the error line in two ("error: .../a" then "b.h5: no
    such file or directory") and recolour's "wrote" line: the error line and recolour's own
    lines now give the name as the other commands do (fileutil.printable: '\\n')."""
    from _cli_models import save_tiny_models, weights_args, write_toy_scan

    from xrf_napari.cli.main import main

    missing = tmp_path / "a\nb.h5"
    assert main(["info", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a\\nb.h5: no such file or directory" in err, err
    scan, _counts, _labels = write_toy_scan(tmp_path / "my\nscan.h5", 4, 5, n_regions=1)
    save_tiny_models(tmp_path)
    png = tmp_path / "rgb\n1.png"
    assert main(["recolour", str(scan), "-o", str(png), *weights_args(tmp_path)]) == 0
    said = capsys.readouterr()
    assert said.out.count("\n") == 1 and "rgb\\n1.png (4 x 5 px" in said.out, said.out
    assert "recolouring my\\nscan (4 x 5 px" in said.err, said.err
    assert png.is_file()
