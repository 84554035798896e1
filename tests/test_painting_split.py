"""Validation is split by source painting: no painting may feed both training and validation."""

import numpy as np
import pytest

from xrf_napari.training.data import cube_source, painting_split, shared_sources


def _sources(n_cubes, n_paintings):
    # the generator's order: cube i is a crop of painting perm[i % n_paintings]
    perm = np.random.default_rng(0).permutation(n_paintings)
    return [f"p{perm[i % n_paintings]:02d}.jpg" for i in range(n_cubes)]


@pytest.mark.parametrize("n_cubes,n_paintings", [(450, 36), (40, 7), (12, 12), (5, 2)])
def test_no_painting_on_both_sides(n_cubes, n_paintings):
    sources = _sources(n_cubes, n_paintings)
    train, val = painting_split(sources, 0.1, seed=0)
    assert sorted(train + val) == list(range(n_cubes))
    assert val, "a validation set is expected"
    assert not {sources[i] for i in train} & {sources[i] for i in val}
    assert {sources[i] for i in train}, "at least one painting must remain for training"


def test_fraction_is_close_and_split_is_deterministic():
    sources = _sources(450, 36)
    train, val = painting_split(sources, 0.1, seed=0)
    assert 0.05 <= len(val) / 450 <= 0.15
    assert painting_split(sources, 0.1, seed=0) == (train, val)
    assert painting_split(sources, 0.1, seed=1) != (train, val)


def test_the_old_index_split_leaked():
    """What the split replaces: every 10th cube to validation put crops of validation paintings in
    training (the generator cycles paintings), which this split must never do."""
    sources = _sources(450, 36)
    val_old = [int(i * 10 + 5) for i in range(45)]
    leaked = {sources[i] for i in val_old} & {sources[i] for i in range(450) if i not in val_old}
    assert leaked  # the old scheme leaked
    train, val = painting_split(sources, 0.1)
    assert not {sources[i] for i in val} & {sources[i] for i in train}


def test_nothing_held_out_when_impossible():
    assert painting_split(["a.jpg"] * 10, 0.1) == (list(range(10)), [])
    assert painting_split(_sources(10, 3), 0.0) == (list(range(10)), [])


def test_cube_source_reads_metadata(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.zeros((2, 2, 512), np.uint16)
    cal = Calibration(0.0, 0.08)
    write_cube(tmp_path / "a.h5", counts, cal, metadata={"source": {"image": "vermeer.jpg"}})
    write_cube(tmp_path / "b.h5", counts, cal, metadata={"source": {"image": "procedural"}})
    write_cube(tmp_path / "c.h5", counts, cal, metadata={"source": {"image": "vermeer.jpg"}})
    write_cube(tmp_path / "d.h5", counts, cal, metadata={"source": {"image": "swatches"}})
    assert cube_source(tmp_path / "a.h5") == "vermeer.jpg"
    b, d = (tmp_path / n for n in ("b.h5", "d.h5"))
    assert cube_source(b) == f"cube:{b.resolve()}"  # procedural cubes are their own source
    assert cube_source(d) == f"cube:{d.resolve()}"  # so are swatch cubes: never one block
    assert shared_sources([tmp_path / "a.h5"], [tmp_path / "b.h5", tmp_path / "c.h5"]) == {
        "vermeer.jpg"
    }


def test_embedder_refuses_validation_on_training_paintings(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG, train

    counts = np.ones((4, 4, 512), np.uint16)
    labels = {"labels": np.zeros((4, 4), np.int32)}
    for folder, image in (("train", "a.jpg"), ("train", "b.jpg"), ("val", "b.jpg")):
        (tmp_path / folder).mkdir(exist_ok=True)
        write_cube(
            tmp_path / folder / f"{image}.h5",
            counts,
            Calibration(0.0, 0.08),
            targets=labels,
            metadata={"source": {"image": image}},
        )
    with pytest.raises(ValueError, match="shares 1 source painting"):
        train(
            tmp_path / "train",
            tmp_path / "out",
            dict(DEFAULT_TRAIN_CONFIG),
            device_name="cpu",
            progress=False,
            val_dir=tmp_path / "val",
        )
