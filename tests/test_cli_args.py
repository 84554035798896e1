"""Command-line numbers out of range fail at parsing with the option and the allowed range named;
recolouring a single spectrum is refused before any model is loaded (issue 17, item 7)."""

import numpy as np
import pytest

from xrf_napari.cli.main import main


@pytest.mark.parametrize("argv, message", [
    (["embed", "x.h5", "-o", "out", "-k", "1"], "--clusters/-k: 1 is out of range"),
    (["embed", "x.h5", "-o", "out", "-k", "100"], "between 2 and 30"),
    (["embed", "x.h5", "-o", "out", "--k-range", "1", "8"], "--k-range: 1 is out of range"),
    (["recolour", "x.h5", "-o", "out.png", "--tile", "0"], "--tile: 0 is out of range"),
    (["recolour", "x.h5", "-o", "out.png", "--batch", "0"], "--batch: 0 is out of range"),
    (["recolour", "x.h5", "-o", "out.png", "--tile", "big"], "'big' is not the tile size"),
])
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
        rc = main(["recolour", str(path), "-o", str(out), "--weights", str(tmp_path / "absent.safetensors")])
        raise SystemExit(rc)
    assert exc.value.code != 0
    assert "single spectrum (1 x 1 px)" in capsys.readouterr().err and not out.exists()
