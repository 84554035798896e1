"""Review of session 62's command-line messages (revC62): numbers near the edge of what an option
takes, a tile of no multiple of the patch, an empty painting, a scan given as weights."""

import argparse

import pytest

from xrf_napari.argtypes import int_in


@pytest.mark.parametrize(
    "parse, text, told",
    [
        (
            int_in(0, None, "the overlap"),
            "1e3",
            "the overlap must be written in digits (1000), not '1e3'",
        ),
        (int_in(1), "5.0", "'5.0' is not written in digits (5)"),
    ],
)
def test_a_number_in_another_form_is_told_what_it_is(parse, text, told):
    """`recolour --overlap 1e3` was told "the overlap must be a whole number, not '1e3'", which
    1e3 is."""
    with pytest.raises(argparse.ArgumentTypeError) as exc:
        parse(text)
    assert str(exc.value) == told


def test_int_in_keeps_its_other_words():
    """A guard: a fraction, a word and a value out of range are told as before."""
    for text, told in (
        ("1.5", "the overlap must be a whole number, not '1.5'"),
        ("x", "the overlap must be a whole number, not 'x'"),
        ("-1", "-1 is out of range: the overlap must be at least 0"),
    ):
        with pytest.raises(argparse.ArgumentTypeError, match=f"^{told}$"):
            int_in(0, None, "the overlap")(text)


def test_recolour_tile_0_is_told_it_must_be_a_multiple_of_the_patch(tmp_path, capsys):
    """`recolour --tile 0` said "the tile size must be between 1 and 1024", though 1 is refused
    too: a tile is a multiple of the model's patch size (16 for the shipped weights)."""
    from xrf_napari.cli.main import main

    argv = ["recolour", str(tmp_path / "s.h5"), "-o", str(tmp_path / "o.png"), "--tile", "0"]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "--tile: 0 is out of range: the tile size must be a positive multiple of the " in err
    assert "between 1 and" not in err, err


def test_an_empty_painting_is_said_to_be_empty(tmp_path, capsys):
    """`generate --images DIR` of a folder holding a 0-byte .png said "cannot read an image: it is
    a text file, not a picture"."""
    from xrf_napari.cli.train import main as train_main

    images = tmp_path / "imgs"
    images.mkdir()
    (images / "a.png").write_bytes(b"")
    argv = ["generate", "--n-cubes", "1", "--images", str(images), "--out", str(tmp_path / "o")]
    code = train_main([*argv, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "a.png: cannot read an image: the file is empty (0 bytes)" in err, err


def test_a_scan_given_as_weights_is_named_an_hdf5_file(tmp_path):
    """`recolour --weights scan.h5` said "the file is not a safetensors file", naming no kind,
    where a .npy or a pickle is named."""
    import h5py

    from xrf_napari.models.weights import WeightsError, load_weights

    scan = tmp_path / "scan.h5"
    with h5py.File(scan, "w") as f:
        f["counts"] = [[1, 2]]
    with pytest.raises(WeightsError, match=r"is an HDF5 file \(a scan\?\), not a safetensors"):
        load_weights(scan)


def test_evaluate_kmeans_leaves_blas_as_it_found_it():
    """A guard: evaluate's one-BLAS-thread K-Means (0e8e1ac0) is a context; the process's BLAS
    (torch, numpy after it) gets its thread count back."""
    import numpy as np
    from threadpoolctl import threadpool_info

    from xrf_napari.training import eval_embedder

    def blas():
        return {
            p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"
        }

    x = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
    eval_embedder._kmeans_labels(x, 2, 0)  # loads sklearn's BLAS, as a first call would
    before = blas()
    eval_embedder._kmeans_labels(x, 2, 0)
    assert blas() == before


def test_a_sub_folder_named_as_an_image_is_not_read(tmp_path):
    """`generate --images DIR` of a folder holding a sub-folder `old.png` failed "cannot read
    image DIR/old.png: [Errno 21] Is a directory", where docs/training.md and the no-images
    refusal say sub-folders are not read."""
    from xrf_napari.synth.dataset import image_files

    (tmp_path / "old.png").mkdir()
    (tmp_path / "a.png").write_bytes(b"")
    assert image_files(tmp_path) == [tmp_path / "a.png"]
