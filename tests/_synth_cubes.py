"""Test helper for generator tests that check a cube's truth (metadata, targets), not its counts."""

import numpy as np


def draw_expected_counts(monkeypatch) -> None:
    """Replace the generator's Poisson draw by the rounded expected counts, through the same
    synth.cube.poisson_counts (blocks, dtype) and the same file writing: a 288 x 288 panel's draw
    is about 40 % of its generation time, and these tests never read the counts."""
    from xrf_napari.synth import cube as synth_cube

    real_counts = synth_cube.poisson_counts

    class Expected:
        def poisson(self, lam):
            return np.rint(lam).astype(np.int64)

    def expected_counts(weights, components, counts_per_pixel, rng, *args, **kwargs):
        return real_counts(weights, components, counts_per_pixel, Expected(), *args, **kwargs)

    monkeypatch.setattr(synth_cube, "poisson_counts", expected_counts)


def interrupt_generate_at(monkeypatch, index: int) -> None:
    """Ctrl-C as generate starts cube `index` (the cubes before it are made as usual)."""
    from xrf_napari.synth import dataset

    real = dataset._run_one

    def one(task):
        if task[0] == index:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(dataset, "_run_one", one)
