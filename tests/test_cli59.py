"""Session 59's command-line checks: in-process main(argv) calls, no subprocess."""

from __future__ import annotations

import pytest
from test_revC58 import recolouriser_run  # noqa: F401  (a fixture)


@pytest.mark.parametrize(
    "want, told",
    [
        (
            "dve",
            "is a trainer's checkpoint (torch.save), not a weights file, and its run trained the "
            "SmallUViT (recolouriser) (pixel_mlp.safetensors, its baseline, beside it): give DVE "
            "(embedder) weights (dve.safetensors of a run that trained one)",
        ),
        (
            "SmallUViT",
            "is a trainer's checkpoint (torch.save), not a weights file: its run finished "
            "(pixel_mlp.safetensors beside it, written after uvit.safetensors) but its "
            "uvit.safetensors is not beside it: give that file",
        ),
    ],
)
def test_a_checkpoint_beside_only_its_baseline_names_a_finished_recolouriser_run(
    recolouriser_run,  # noqa: F811
    want,
    told,
):
    """`embed --weights RUN/checkpoint.pt` beside only pixel_mlp.safetensors (a recolouriser's
    run, whose uvit.safetensors was moved) was told "its run writes dve.safetensors when it
    finishes (none beside it yet)": that run trains no DVE, and it has finished (the baseline is
    written after uvit.safetensors)."""
    from xrf_napari.models.weights import WeightsError, require_weights_file

    (recolouriser_run / "uvit.safetensors").unlink()
    with pytest.raises(WeightsError) as err:
        require_weights_file(recolouriser_run / "checkpoint.pt", want)
    said = str(err.value)
    assert told in said, said
    assert "when it finishes" not in said, said
