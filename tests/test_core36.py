"""Session 36, core36: leftovers of session 35's notes (image reading, evaluate, pickles, help
text, cluster_spectra.csv)."""

from __future__ import annotations

import pytest


def _png_with_a_huge_idat(path, shape, mode: str) -> None:
    """A PNG of `shape` whose IDAT length field's top byte is 0xFF (about 4 GB declared in a file
    of a few hundred bytes): the mutation that ran Pillow out of memory in session 35's fuzz. The
    length is outside the chunk's CRC, so nothing else in the file is wrong."""
    import io

    import numpy as np
    from PIL import Image

    n = shape[0] * shape[1]
    img = (np.arange(n * (3 if mode == "RGB" else 1)) % 4 + 1).astype(np.uint8)
    img = img.reshape(shape + ((3,) if mode == "RGB" else ()))
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    png = bytearray(buf.getvalue())
    png[png.index(b"IDAT") - 4] = 0xFF
    path.write_bytes(bytes(png))


@pytest.mark.parametrize("what", ["labels", "photo"])
def test_a_png_declaring_a_chunk_past_its_end_is_refused_before_decoding(tmp_path, what):
    """Pillow reads a PNG chunk's declared length in one call: a 4 GB IDAT length in a small label
    map ended in an unhandled MemoryError (or, where memory allowed, 4 GB allocated and the damaged
    file read as sound). The chunk walk refuses it by name, allocating nothing of that size."""
    import tracemalloc

    from xrf_napari.analysis.colour_prior import read_photo
    from xrf_napari.cli.pigments_cmd import read_labels

    shape = (32, 48)
    path = tmp_path / f"{what}.png"
    _png_with_a_huge_idat(path, shape, "L" if what == "labels" else "RGB")
    reader = read_labels if what == "labels" else read_photo
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as err:
            reader(path, shape)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    said = str(err.value)
    assert str(path) in said and "'IDAT'" in said and "past the end" in said, said
    assert "truncated or corrupt" in said, said
    assert peak < 2**26, f"{peak / 2**20:.0f} MiB allocated reading a {path.stat().st_size} B file"


def test_evaluate_scores_cubes_under_161_px_over_the_scales_that_fit(tmp_path):
    """`generate` writes cubes from 16 px but evaluate refused anything of 160 px or less a side
    ("MS-SSIM needs > 160 px per side"). It scores them with the MS-SSIM scales that fit (2 for
    32 px: the 11 px window fits 32 and 16 px, not 8) and says so in the table's column, a note
    and eval.json, with no 5-scale paper figure beside it."""
    import json

    from test_export_evaluate_audit24 import _toy_set

    from xrf_napari.cli.train import main

    data, out = _toy_set(tmp_path / "set", size=32), tmp_path / "ev"
    argv = ["evaluate", "--data", str(data), "--out", str(out), "--device", "cpu"]
    assert main(argv + ["--no-ari", "--no-progress"]) == 0
    result = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    table = (out / "eval.md").read_text(encoding="utf-8")
    assert result["msssim_scales"] == 2
    assert "| MS-SSIM, 2 of 5 scales ↑ |" in table
    assert "not comparable with 5-scale" in table and "0.9196" not in table, table
    assert 0 < result["summary"]["uvit/palette"]["msssim"] <= 1


def test_ms_ssim_over_fewer_scales_is_the_library_s_at_5_and_ssim_at_1():
    """The scale loop follows pytorch_msssim's: 5 scales give its ms_ssim (the figures evaluate
    and the training loss had), 1 scale its SSIM."""
    torch = pytest.importorskip("torch")
    import pytorch_msssim

    from xrf_napari.training.metrics import ms_ssim

    g = torch.Generator().manual_seed(0)
    a = torch.rand(2, 3, 170, 173, generator=g)
    b = (a + 0.3 * torch.rand(a.shape, generator=g)).clamp(0, 1)
    want = pytorch_msssim.ms_ssim(a, b, data_range=1.0)
    assert torch.allclose(ms_ssim(a, b), want, atol=1e-6)
    want = pytorch_msssim.ssim(a, b, data_range=1.0, nonnegative_ssim=True)
    assert torch.allclose(ms_ssim(a, b, scales=1), want, atol=1e-6)
    with pytest.raises(ValueError, match="needs images larger than 80 px"):
        ms_ssim(a[..., :80, :80], b[..., :80, :80], scales=4)


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch PAYLOAD_RAN",))


@pytest.mark.parametrize("protocol", [2, 4])
def test_a_plain_pickle_is_named_as_one_with_what_it_asks_for(tmp_path, monkeypatch, protocol):
    """torch's weights-only loader stops at a protocol-4 pickle's FRAME opcode, before the global
    it names: --resume called a plain pickle "not a torch checkpoint: truncated or corrupt", even
    one asking for os.system, and load_weights (--init, --weights) called it a torch.save file.
    Both say it is a plain Python pickle and what it asks for; nothing in it runs."""
    import pickle

    from xrf_napari.models.weights import WeightsError, load_weights
    from xrf_napari.training.common import load_checkpoint

    monkeypatch.chdir(tmp_path)
    state = {"model": {}, "optimizer": {}, "step": 1}
    for name, obj in (("plain.pt", state), ("hostile.pt", {**state, "x": _Payload()})):
        (tmp_path / name).write_bytes(pickle.dumps(obj, protocol=protocol))
        for load, error in ((load_checkpoint, ValueError), (load_weights, WeightsError)):
            with pytest.raises(error) as info:
                load(tmp_path / name)
            msg = str(info.value)
            assert "plain Python pickle" in msg and "nothing" in msg and " run" in msg, msg
            assert ("asks for" in msg and "system" in msg) == (name == "hostile.pt"), msg
    assert not (tmp_path / "PAYLOAD_RAN").exists()


@pytest.mark.parametrize("calibration", ["file", "none"])
def test_cluster_spectra_csv_says_what_its_first_column_is(tmp_path, calibration):
    """cluster_spectra.csv's comment said only "calibration file" of its first column, the energy
    axis: it names the column, its unit and range (or channel numbers, uncalibrated), and the
    reader still takes that column as the spectrum's axis."""
    import numpy as np

    from xrf_napari.analysis.export import save_cluster_spectra
    from xrf_napari.io import read_spectrum

    axis = np.arange(40, dtype=float) if calibration == "none" else np.linspace(1.0, 20.5, 40)
    spectra = np.stack([np.full(40, 2.0), np.full(40, 3.0)])
    out = save_cluster_spectra(
        tmp_path / "c.csv",
        axis,
        spectra,
        [5, 7],
        source="s",
        calibration=calibration,
        labels_file="l.png",
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    column = lines[2].split(",")[0]
    assert column == ("channel" if calibration == "none" else "energy_keV")
    unit = "channel numbers" if calibration == "none" else "energy in keV"
    said = f"first column {column}: "
    assert said in lines[0] and unit in lines[0].split(said)[1], lines[0]
    assert f"{axis[0]:.6g} to {axis[-1]:.6g}" in lines[0], lines[0]
    if calibration != "none":
        np.testing.assert_allclose(read_spectrum(out).energy, axis, atol=1e-6)
