"""Session 51, train51: generate's image hashing, a resumable embedding pass, and the trainers'
checkpoint name."""

from __future__ import annotations

from pathlib import Path


def test_the_checkpoint_is_named_once_for_both_trainers():
    """train_embedder spelt "checkpoint.pt" seven times and train_recolouriser had its own
    CHECKPOINT_NAME: one constant in training.common names the file both write and resume."""
    from xrf_napari.training import common, train_embedder, train_recolouriser

    assert common.CHECKPOINT_NAME == "checkpoint.pt"
    assert train_embedder.CHECKPOINT_NAME is common.CHECKPOINT_NAME
    assert train_recolouriser.CHECKPOINT_NAME is common.CHECKPOINT_NAME
    folder = Path(common.__file__).parent
    spelt = [
        p.name for p in sorted(folder.glob("*.py")) if '"checkpoint.pt"' in p.read_text("utf-8")
    ]
    assert spelt == ["common.py"]
