"""Session 62, the command lines (`xrf-napari`, `xrf-napari-train`): what a user is told."""

import pytest

from xrf_napari.cli.train import main as train_main


@pytest.mark.parametrize(
    "argv, told",
    [
        (["embedder", "--epochs", "0"], "--epochs: 0 is out of range: it must be above 0"),
        (["recolouriser", "--epochs", "-2"], "--epochs: -2 is out of range: it must be above 0"),
        (["recolouriser", "--time-budget", "0"], "--time-budget: 0 is out of range"),
        (["embedder", "--lr", "1e400"], "--lr: 1e400 is out of range"),
        (["embedder", "--steps", "0"], "--steps: 0 is out of range: a whole number must be"),
    ],
)
def test_numbers_out_of_range_are_told_as_typed(argv, told, tmp_path, capsys):
    """`xrf-napari-train embedder --epochs 0` said "0.0 is out of range" (the float it read),
    a number the user had not typed, beside --steps 0's "0 is out of range"."""
    argv = argv[:1] + ["--data", str(tmp_path), "--out", str(tmp_path / "o")] + argv[1:]
    with pytest.raises(SystemExit) as exc:
        train_main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"error: argument {told}" in err, err


@pytest.mark.parametrize(
    "holds, said",
    [
        ((), "it is empty"),
        (("notes.txt", "inner/a.jpg"), "it holds 2 other entries (inner, notes.txt)"),
    ],
)
def test_generate_without_images_says_what_the_folder_holds_and_what_is_read(
    holds, said, tmp_path, capsys
):
    """`generate --images DIR` of no image said "no images for split 'all' in DIR": a split
    not given, and nothing on what the folder held or which files are read (paintings one
    folder down are not)."""
    images = tmp_path / "imgs"
    images.mkdir()
    for name in holds:
        (images / name).parent.mkdir(exist_ok=True)
        (images / name).write_bytes(b"x")
    argv = ["generate", "--images", str(images), "--out", str(tmp_path / "set"), "--n-cubes", "1"]
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"error: --images: no images in {images}: {said}; generate reads the jpg, " in err, err
    assert "sub-folders are not read" in err and "split" not in err
    assert not (tmp_path / "set").exists()


def test_generate_with_no_image_in_the_split_says_how_the_split_is_made(tmp_path, capsys):
    """`--split test` of a folder whose images all fall in train said "no images for split
    'test' in DIR", as if the folder held none."""
    from xrf_napari.synth.dataset import image_split

    images = tmp_path / "imgs"
    images.mkdir()
    names = [f"p{i}.png" for i in range(40) if image_split(f"p{i}.png") == "train"][:2]
    for name in names:
        (images / name).write_bytes(name.encode())
    argv = ["generate", "--images", str(images), "--out", str(tmp_path / "set"), "--n-cubes", "1"]
    assert train_main([*argv, "--split", "test", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"--images: none of the 2 images in {images} is in the test split (about 20 %" in err


@pytest.mark.parametrize("name", ["photo.png", "PHOTO.JPG", "scan.webp"])
def test_a_picture_given_as_the_scan_is_told_where_a_photograph_goes(name, tmp_path, capsys):
    """`xrf-napari info photo.png` said "unsupported file type '.png'" and the supported
    list alone, where a photograph saved as TIFF is told to go to `pigments --photo`."""
    from xrf_napari.cli.main import main

    picture = tmp_path / name
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert main(["info", str(picture)]) == 2
    err = capsys.readouterr().err
    assert f"{picture}: unsupported file type '{picture.suffix}': a picture, not a " in err, err
    assert "give a photograph of a scan to `xrf-napari pigments --photo`" in err


def test_a_file_of_another_unsupported_type_gets_no_photograph_advice(tmp_path, capsys):
    """A guard: only pictures are sent to --photo."""
    from xrf_napari.cli.main import main

    notes = tmp_path / "notes.txt"
    notes.write_text("x", encoding="utf-8")
    assert main(["info", str(notes)]) == 2
    err = capsys.readouterr().err
    assert "unsupported file type '.txt'; supported:" in err and "--photo" not in err, err


@pytest.mark.parametrize("suffix", [".png", ".npy"])
def test_pigments_labels_out_of_memory_exits_1_naming_the_file(
    suffix, tmp_path, monkeypatch, capsys
):
    """`pigments --labels map.png` whose decoding ran out of memory exited 2 (bad input) with
    "cannot read an image: decoding it ran out of memory (corrupt or too big)", though its size
    had been checked against the scan's; a .npy one said "out of memory (Unable to allocate
    ...)" naming no file. Both now end as a scan's read does (errors.out_of_memory): exit 1."""
    import numpy as np
    import PIL.ImageFile
    from _cli_models import write_toy_scan

    from xrf_napari.cli.main import main

    scan = tmp_path / "scan.h5"
    _, _, labels = write_toy_scan(scan, 8, 8, 2)
    lab = tmp_path / f"lab{suffix}"
    if suffix == ".npy":
        np.save(lab, labels.astype(np.int32) + 1)
    else:
        from PIL import Image

        Image.fromarray(labels.astype(np.uint8) + 1).save(lab)

    def refused(*args, **kwargs):
        raise MemoryError("Unable to allocate 1.50 GiB for an array with shape (20000, 20000)")

    monkeypatch.setattr(np, "load", refused)
    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", refused)
    out = tmp_path / "report"
    assert main(["pigments", str(scan), "--labels", str(lab), "-o", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"error: out of memory: {lab}: reading it as a label map needs 1.50 GiB" in err, err
    assert "corrupt" not in err and not out.exists()


def test_elements_in_reads_a_cube_recording_no_table_by_the_table_in_use():
    """synthesize() records no pigment_table; elements_in of its cube, called under the
    use_table("reference") it was made under, judged it by the main table's compositions
    (lead white's Ag and Cu, the chalk ground's Sr: none of them in the reference table)."""
    from xrf_napari.physics.pigments import active_table, use_table
    from xrf_napari.synth.dataset import elements_in

    meta = {
        "profile": {"anode": "Rh"},
        "regions": [{"pigments": ["Lead white"], "fractions": [1.0]}],
        "ground": [{"name": "chalk ground"}],
    }
    with use_table("reference"):
        reference = elements_in(meta)
        kept = active_table()
    assert not {"Ag", "Sr"} & reference, reference
    assert {"Pb", "Ca", "Rh", "Ar"} <= reference, reference
    assert kept is not None and active_table() is None
    assert {"Ag", "Sr"} <= elements_in(meta)  # a guard: outside it, the main table's


@pytest.mark.parametrize(
    "argv, told",
    [
        (["recolour", "s.h5", "-o", "o.png", "--overlap", "1.5"], "--overlap: the overlap must"),
        (["embed", "s.h5", "-o", "o", "-k", "three"], "-k: the number of regions K must"),
        (["embed", "s.h5", "-o", "o", "--seed", "x"], "--seed: a K-Means seed must"),
    ],
)
def test_a_number_that_is_no_integer_is_told_to_be_a_whole_one(argv, told, capsys):
    """`recolour --overlap 1.5` said "'1.5' is not the overlap", which says nothing of what
    is wrong with it (a fraction where a whole number of pixels is wanted)."""
    from xrf_napari.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"{told} be a whole number, not '{argv[-1]}'" in err, err


@pytest.mark.parametrize(
    "given, said",
    [
        ("folder", "pigment table '{t}' is a folder, not a CSV file; give a CSV file or one of"),
        ("missing.csv", "pigment table '{t}': no such file; give a CSV file or one of the"),
    ],
)
def test_generate_pigment_table_refusals_name_the_option_and_the_fault(
    given, said, tmp_path, capsys
):
    """`generate --pigment-table DIR` said "pigment table 'DIR' is neither a file nor one of
    main, reference" (a folder the user could see called no file), naming no option."""
    table = tmp_path / given
    if given == "folder":
        table.mkdir()
    argv = ["generate", "--pigment-table", str(table), "--out", str(tmp_path / "set")]
    assert train_main([*argv, "--n-cubes", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"error: --pigment-table: {said.format(t=table)}" in err, err
    assert not (tmp_path / "set").exists()


def test_evaluate_kmeans_runs_blas_on_one_thread_with_the_same_labels(monkeypatch):
    """evaluate's K-Means (eval_embedder._kmeans_labels) ran k-means++ seeding's thousands of
    thin BLAS products on every BLAS thread: the 512-channel K-Means of the sample painting
    took 17-20 s CPU (55-97 s wall on a busy 2-core host), 4 s on one BLAS thread, with the
    same labels."""
    import numpy as np
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info

    from xrf_napari.training import eval_embedder

    x = np.random.default_rng(0).normal(size=(600, 32)).astype(np.float32)
    x[:300] += 3.0
    unlimited = KMeans(n_clusters=3, n_init=4, random_state=0).fit_predict(x)
    seen = []
    fit_predict = KMeans.fit_predict

    def recording(self, *args, **kwargs):
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        return fit_predict(self, *args, **kwargs)

    monkeypatch.setattr(KMeans, "fit_predict", recording)
    labels = eval_embedder._kmeans_labels(x, 3, 0)
    assert seen and set(seen) == {1}, seen
    assert np.array_equal(labels, unlimited)  # a guard: BLAS's threads do not decide the labels


def test_generate_out_inside_images_is_not_asked_whether_images_was_a_file(tmp_path, capsys):
    """`generate --images imgs --out imgs/set` added "or, if imgs was meant to be a file
    (weights, labels, a photo), it is a folder: give the file", of a folder by design."""
    images = tmp_path / "imgs"
    images.mkdir()
    argv = ["generate", "--images", str(images), "--out", str(images / "set"), "--n-cubes", "1"]
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"the input folder {images}: choose another output, outside it" in err, err
    assert "meant to be a file" not in err
