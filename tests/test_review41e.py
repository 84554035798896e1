"""Review 41e of session 41's generator and training-resume changes (a0ab000, 57db5c4, 5a4e008,
22aa638, db90018): one K-range rule for both generators, one random-stream test for what a
resume does and what its records say, and the generate help's 'wide' voltages as drawn."""

from __future__ import annotations

import argparse

import numpy as np
import pytest


def test_both_generators_take_their_k_range_from_one_rule(monkeypatch):
    """a0ab000 and 57db5c4 wrote the same K-range expression into cluster_regions and cluster_rgb
    (k_range capped by the distinct colours and the silhouette sample); now one helper, read by
    both, whose rule docs/physics.md states."""
    from xrf_napari.synth import regions
    from xrf_napari.synth.paper_style import cluster_rgb

    k = regions.k_candidates
    assert k((4, 16), 50, 1000) == range(4, 17)  # a painting crop: k_range as before
    assert k((8, 12), 9, 2000) == range(8, 10)
    # n < k_range[0] colours: K = n, the image's own colours (was empty: one region). a0ab000's
    # docs and docstrings said 2..n; the expression was always n..n, which these now say
    assert k((4, 16), 3, 1000) == range(3, 4)
    assert k((8, 12), 5, 2000) == range(5, 6)
    assert k((8, 12), 3, 3) == range(2, 3)  # a silhouette needs K <= samples - 1
    assert len(k((4, 16), 1, 1000)) == 0  # a flat image stays one region

    seen = []

    def spy(k_range, distinct, n_sil):
        seen.append((tuple(k_range), distinct, n_sil))
        return range(2, 3)

    monkeypatch.setattr(regions, "k_candidates", spy)
    img = np.zeros((12, 12, 3))
    img[:, 6:] = (0.9, 0.8, 0.2)
    img[6:, :6] = (0.1, 0.3, 0.6)
    assert len(cluster_rgb(img, np.random.default_rng(0))[1]) == 2
    assert regions.cluster_regions(img, np.random.default_rng(0), min_area_px=1).k == 2
    assert seen == [((8, 12), 3, 144), ((4, 16), 3, 144)]


def test_a_resumes_record_and_the_resume_itself_use_one_stream_test(monkeypatch):
    """db90018's stream_continues (what config.json's "random_stream" says) repeated
    restore_generator's own test of the checkpoint's state: two copies that could drift, the
    records then saying "continued" of a stream that restarted. restore_generator now asks it."""
    torch = pytest.importorskip("torch")
    from xrf_napari.training import common

    gen = torch.Generator().manual_seed(1)
    saved = torch.Generator().manual_seed(2).get_state()
    assert common.stream_continues(saved, "cpu")
    assert not common.stream_continues(torch.zeros(16, dtype=torch.uint8), "cpu")
    assert common.restore_generator(gen, saved, seed=0, step=3)
    assert torch.equal(gen.get_state(), saved)

    monkeypatch.setattr(common, "stream_continues", lambda saved, device: False)
    assert not common.restore_generator(gen, saved, seed=0, step=3)  # reseeded, as recorded
    assert not torch.equal(gen.get_state(), saved)


def test_generate_help_gives_the_wide_voltages_per_anode():
    """22aa638 corrected docs/physics.md (Rh and W draw 25-50 kV in 'wide', Cu and Mo 20-50);
    `generate --help` still said 20-50 kV for every anode."""
    from xrf_napari.synth.cli import configure

    p = argparse.ArgumentParser()
    configure(p)
    (action,) = [a for a in p._actions if "--profiles" in a.option_strings]
    assert "Rh and W 25-50" in action.help
