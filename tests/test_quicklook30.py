"""quicklook says when the peaks contradict the energy calibration (peaks.Suggestions.warning),
as the GUI does: a headless run is otherwise the one place where nobody looks at the spectrum."""

import re
import warnings

import pytest
from _napari_helpers import painted_counts

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube


def _painted(path, offset_shift_kev: float):
    counts, _ = painted_counts()
    cal = Calibration(1.025 + offset_shift_kev, 0.05)
    meta = {"profile": {"anode": "Rh", "fwhm_mn_ev": 140.0}, "name": path.stem}
    write_cube(path, counts, cal, metadata=meta)
    return path


def test_a_shifted_axis_is_warned_on_stderr_and_the_true_one_is_not(tmp_path, capsys):
    # 70 eV (0.4 FWHM) off: the lines still match, shifted; the reader's check lets it stand
    shifted = _painted(tmp_path / "shifted.h5", 0.07)
    # a warning, which cli._dispatch prints "xrf-napari quicklook: warning: ..."
    with pytest.warns(
        UserWarning, match=f"^{re.escape(str(shifted))}: .*energy calibration looks off"
    ):
        assert main(["quicklook", str(shifted), "-o", str(tmp_path / "a"), "--no-progress"]) == 0

    true = _painted(tmp_path / "true.h5", 0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["quicklook", str(true), "-o", str(tmp_path / "b"), "--no-progress"]) == 0
    assert not [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert "warning" not in capsys.readouterr().err
