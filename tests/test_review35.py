"""Review of session 35's fixes: the hostile-checkpoint wording on the torch versions pyproject
allows, the file's own text escaped, the label map's .npy check, line profiles drawn from 0."""

import numpy as np
import pytest

from xrf_napari.cli.main import main


@pytest.mark.parametrize(
    "torch_says",
    [
        # torch 2.2-2.3 (_weights_only_unpickler): no "GLOBAL" in the text
        "Weights only load failed. ... Unsupported class posix.system",
        # 2.4-2.13
        "Weights only load failed. ... Unsupported global: GLOBAL posix.system was not an allowed",
    ],
)
def test_a_pickle_naming_a_global_is_refused_as_such_on_every_allowed_torch(
    tmp_path, monkeypatch, torch_says
):
    import pickle

    import torch

    from xrf_napari.training.common import load_checkpoint

    def refuse(*_a, **_k):
        raise pickle.UnpicklingError(torch_says)

    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"\x80\x02}q\x00.")
    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(ValueError, match=r"asks for posix\.system.*refused, nothing run"):
        load_checkpoint(path)


def test_the_global_a_hostile_file_names_reaches_the_terminal_escaped(tmp_path, monkeypatch):
    """The name comes from the file: raw, escape sequences in it set the terminal's title."""
    import pickle

    import torch

    from xrf_napari.training.common import load_checkpoint

    evil = "\x1b]0;owned\x07\x1b[31mos"

    def refuse(*_a, **_k):
        raise pickle.UnpicklingError(f"Unsupported global: GLOBAL {evil}.system was not allowed")

    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"\x80\x02}q\x00.")
    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(ValueError) as info:
        load_checkpoint(path)
    msg = str(info.value)
    assert "refused, nothing run" in msg and "\x1b" not in msg and "\x07" not in msg, msg


def test_a_label_map_named_npy_that_is_text_is_not_called_pickled(tmp_path, capsys):
    from _napari_helpers import write_painted_cube

    scan = write_painted_cube(tmp_path / "painted.h5")
    lab = tmp_path / "lab.npy"
    lab.write_text("#F spectrum\n1 2 3\n", encoding="utf-8")
    assert main(["pigments", str(scan), "--labels", str(lab), "-o", str(tmp_path / "pg")]) == 2
    err = capsys.readouterr().err
    assert "not a NumPy .npy file (it is a text file)" in err and "pickled" not in err, err
    assert not (tmp_path / "pg").exists()


def test_a_line_scans_profiles_start_at_zero_as_its_maps_do(tmp_path, monkeypatch):
    """An autoscaled profile spanning 2350-2580 counts made counting noise look like structure."""
    import matplotlib.pyplot as plt
    from _napari_helpers import CANONICAL_CAL, H, W, painted_counts

    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    one_paint = counts[H // 2, W // 2].astype(float) * 20  # a uniform line of one paint
    row = np.random.default_rng(0).poisson(np.tile(one_paint, (1, 40, 1)))
    path = write_cube(tmp_path / "line.h5", row.astype(np.uint32), CANONICAL_CAL)
    bottoms = []
    close = plt.close

    def record(fig=None):
        if fig is not None and not isinstance(fig, str):
            bottoms.extend(
                ax.get_ylim()[0] for ax in fig.axes if ax.get_ylabel() == "net line counts"
            )
        close(fig)

    monkeypatch.setattr(plt, "close", record)
    assert main(["quicklook", str(path), "-o", str(tmp_path / "look"), "--no-progress"]) == 0
    assert bottoms and max(bottoms) <= 0, bottoms
