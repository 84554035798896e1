"""Session 65, smallA65: user-facing wording of the command-line tools."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_revB64 import _saved_default  # noqa: E402


def _tube_line(capsys, *argv) -> str:
    from xrf_napari.cli.main import main

    assert main(["info", *map(str, argv)]) == 0
    out = capsys.readouterr().out
    return next(line for line in out.splitlines() if "tube assumed" in line)


def test_info_advises_the_option_not_the_python_call(tmp_path, capsys):
    """`info` on a file naming no tube printed "--anode (read_cube's anode=) for another tube",
    a Python argument in a command-line line. Fails on the parent: those words."""
    line = _tube_line(capsys, _saved_default(tmp_path))
    assert line.endswith("(the file names none: Rh by default; --anode for another tube)"), line


def test_info_with_no_auto_calibration_advises_leaving_it_out(tmp_path, capsys):
    """After `--anode Cu --no-auto-calibration` the saved Rh calibration is kept unchecked and
    `info` advised --anode again, which the user had just given. Fails on the parent."""
    path = _saved_default(tmp_path)
    line = _tube_line(capsys, path, "--anode", "Cu", "--no-auto-calibration")
    assert "leave out --no-auto-calibration to fit it for the Cu tube given" in line, line
    assert "; --anode" not in line
    line = _tube_line(capsys, path, "--no-auto-calibration")
    assert "leave out --no-auto-calibration to fit it for another tube given with --anode" in line


def _scan_with_metadata(tmp_path, metadata):
    import numpy as np

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    path = tmp_path / "meta.h5"
    counts = np.ones((4, 8, 256), np.uint16)
    write_cube(path, counts, Calibration(0.0, 0.05, source="file"), metadata=metadata)
    return path


def test_info_json_size_key_says_mib(tmp_path, capsys):
    """`info --json` wrote "size_mb": the size in MiB (bytes / 2**20), as the text's "MiB" says.
    Fails on the parent: the key was size_mb."""
    import json

    from xrf_napari.cli.main import main

    assert main(["info", str(_scan_with_metadata(tmp_path, {})), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert "size_mb" not in info
    assert info["size_mib"] == round(info["size_bytes"] / 2**20, 2)


def test_info_leaves_out_empty_metadata(tmp_path, capsys):
    """A painting's metadata printed "year: None" and "silhouettes: {}", Python's words for
    nothing. Fails on the parent: those lines."""
    from xrf_napari.cli.main import main

    meta = {"title": "Saint", "year": None, "silhouettes": {}, "notes": {"a": None}, "n": 0}
    assert main(["info", str(_scan_with_metadata(tmp_path, meta))]) == 0
    out = capsys.readouterr().out
    assert "title: Saint" in out and "n: 0" in out, out
    for gone in ("year", "silhouettes", "notes", "None", "{}"):
        assert gone not in out, out


def test_quicklook_says_how_many_were_suggested_when_all_are_mapped(tmp_path, capsys):
    """quicklook printed "8 elements suggested, strongest first; ... mapped: ...; not: ..." where
    more than six were suggested, and nothing where all were mapped; now a note on stderr, apart
    from the files stdout lists. Fails on the parent."""
    import numpy as np
    from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum

    from xrf_napari.cli.main import main
    from xrf_napari.io.project_h5 import write_cube

    lines = []
    for i, symbol in enumerate(["Fe", "Cu", "Zn"]):
        lines += element_spectrum_lines(symbol, 4000.0 / (1 + 0.3 * i))
    spectrum = line_spectrum(lines, background=(1.0, 0.0))
    rng = np.random.default_rng(0)
    counts = rng.poisson(np.broadcast_to(spectrum, (4, 4, spectrum.size))).astype(np.uint16)
    scan = write_cube(tmp_path / "three.h5", counts, CANONICAL_CAL)
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "suggested" not in out  # stdout lists the files written
    said = [line for line in err.splitlines() if "suggested, strongest first" in line]
    assert len(said) == 1 and "; not:" not in said[0], out
    mapped = said[0].split("marked on the spectrum and mapped: ")[1].split(", ")
    assert {"Fe", "Cu", "Zn"} <= set(mapped)
    assert f": {len(mapped)} elements suggested, strongest first" in said[0], said[0]
