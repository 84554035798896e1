"""Command-line numbers out of range fail at parsing with the option and the allowed range named;
recolouring a single spectrum is refused before any model is loaded (issue 17, item 7)."""

import numpy as np
import pytest

from xrf_napari.cli.main import main


@pytest.mark.parametrize(
    "argv, message",
    [
        (["embed", "x.h5", "-o", "out", "-k", "1"], "--clusters/-k: 1 is out of range"),
        (["embed", "x.h5", "-o", "out", "-k", "100"], "between 2 and 30"),
        (["embed", "x.h5", "-o", "out", "--k-range", "1", "8"], "--k-range: 1 is out of range"),
        (["recolour", "x.h5", "-o", "out.png", "--tile", "0"], "--tile: 0 is out of range"),
        (["recolour", "x.h5", "-o", "out.png", "--batch", "0"], "--batch: 0 is out of range"),
        (["recolour", "x.h5", "-o", "out.png", "--tile", "big"], "'big' is not the tile size"),
    ],
)
def test_out_of_range_numbers_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_recolour_refuses_a_single_spectrum(tmp_path, capsys):
    path = tmp_path / "one.npy"
    np.save(path, np.random.default_rng(0).poisson(3.0, (1, 1, 512)).astype(np.uint16))
    out = tmp_path / "one.png"
    with pytest.raises(SystemExit) as exc:
        rc = main(
            [
                "recolour",
                str(path),
                "-o",
                str(out),
                "--weights",
                str(tmp_path / "absent.safetensors"),
            ]
        )
        raise SystemExit(rc)
    assert exc.value.code != 0
    assert "single spectrum (1 x 1 px)" in capsys.readouterr().err and not out.exists()


def test_info_prints_metadata_one_readable_line_per_value(capsys):
    from xrf_napari._sample_data import SAMPLE_DIR

    path = SAMPLE_DIR / "painting.h5"
    if not path.is_file():
        pytest.skip("painting.h5 not shipped in this checkout")
    assert main(["info", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 110  # was one line of thousands of characters
    assert "      anode: Rh" in lines  # nested profile, one key per line
    assert any(line.strip() == "regions: 16 entries" for line in lines)
