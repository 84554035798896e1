"""Lead's fixes of session 52 (found by the diff reviews)."""

import warnings

import numpy as np
import pytest
from test_reproducibility_audit26 import _emb_argv, setup  # noqa: F401 - fixture

from xrf_napari.io import read_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_whole_integer_mca_whose_last_count_has_fewer_digits_is_read_whole(tmp_path):
    """revI52: 1ccbb61 read any shorter last line without a newline after 16 lines of one width as
    a copy cut inside its value, so a whole integer spectrum (counts 100-119, then 99, no final
    newline: high channels hold fewer counts) lost its last channel with a false "cut short"
    warning. Plain numbers' width follows their value; only exponent lines are of one width."""
    counts = [*range(100, 120), 99]
    path = tmp_path / "s.mca"
    path.write_text("".join(f"{c}\n" for c in counts).rstrip("\n"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(cube.data[0, 0], counts)


def test_a_refused_write_after_training_is_not_called_a_full_disk(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
):
    """revT52: 0b27021's after-training message said "with room made" for any OSError, so a
    folder made read-only (PermissionError) was told to make room. Only a full disk or quota is."""
    import errno

    import safetensors.torch

    from xrf_napari.cli.train import main

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(safetensors.torch, "save_file", refused)
    out = tmp_path / "run"
    assert main(_emb_argv(setup, out, "--steps", "2")) == 2
    err = capsys.readouterr().err
    assert "Permission denied. Checkpoint " in err, err
    assert "with room made" not in err
    assert "(step 2) stays: once that is mended, " in err


def test_pigments_region_list_falls_back_to_the_newest_region(make_napari_viewer, tmp_path):
    """revW52: fcfc63c made Spectrum's Region list choose the newest region shown where the chosen
    one goes; the Pigments dock's still chose the first (three drawn, the third deleted: r1). Both
    use _layers.newest_shown now; a region that does not fit the scan is still passed over."""
    from _napari_helpers import H, W, open_cube, write_painted_cube

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = PigmentsWidget(viewer)
    combo = dock.labels_combo
    first, second, third = (
        viewer.add_labels(np.ones((H, W), np.int32), name=n) for n in ("r1", "r2", "r3")
    )
    viewer.add_labels(np.ones((H + 1, W), np.int32), name="other size")  # newest, does not fit
    combo.set_layer(third)
    viewer.layers.remove(third)
    assert combo.current_layer() is second
