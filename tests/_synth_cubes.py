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


def one_spectrum_for_every_stack(monkeypatch) -> None:
    """The spectrum model's first layer stack's spectrum returned for every later stack: a panel
    cube's 52 regions each need 4 (~50 ms each), and tests of its truth (labels, palette, metadata)
    never read the spectra. Shapes and the code path (detect, canonical, the counts' draw) stay."""
    from xrf_napari.physics.spectrum import SpectrumModel

    real_fine, real_detect = SpectrumModel.fine, SpectrumModel.detect

    def fine(self, stack, parts=False):
        if parts:
            return real_fine(self, stack, parts)
        if "_first_fine" not in vars(self):
            self._first_fine = real_fine(self, stack)
        return self._first_fine

    def detect(self, spectrum):
        if spectrum is not vars(self).get("_first_fine"):
            return real_detect(self, spectrum)
        if "_first_detected" not in vars(self):
            self._first_detected = real_detect(self, spectrum)
        return self._first_detected

    monkeypatch.setattr(SpectrumModel, "fine", fine)
    monkeypatch.setattr(SpectrumModel, "detect", detect)


def few_cluster_counts(monkeypatch, k_range=(4, 6)) -> None:
    """cluster_regions tries K in `k_range` (default 4-6) instead of 4-16: its KMeans fit and
    silhouette per K are about half of a procedural cube's generation, and tests of what generate
    does with a cube (its disk, memory or file checks) do not depend on how many regions it has."""
    import functools

    from xrf_napari.synth import regions

    monkeypatch.setattr(
        regions, "cluster_regions", functools.partial(regions.cluster_regions, k_range=k_range)
    )
