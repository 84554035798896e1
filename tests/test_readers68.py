"""Readers, session 68: the readers name xrf-napari's saved images without importing analysis/
(saved_marks sits below both)."""

import subprocess
import sys

import numpy as np

from xrf_napari import __version__

#: Run in a fresh interpreter: each reader path that names a saved image, then the analysis
#: modules it imported (none) and what it said.
_READ_SAVED = """
import sys
from xrf_napari import io
from xrf_napari._reader import napari_get_reader
from xrf_napari.io.arrays import not_a_picture
from xrf_napari.io.spectra import exported_anode

said = []
for name in ("map.tif", "quicklook.png"):
    try:
        io.read_cube(sys.argv[1] + "/" + name)
    except io.CubeReadError as exc:
        said.append(str(exc))
layers = napari_get_reader(sys.argv[1] + "/labels.tif")(sys.argv[1] + "/labels.tif")
said.append(layers[0][2])
said.append(str(not_a_picture(sys.argv[1] + "/quicklook.png")))
said.append(exported_anode(["tube anode: Mo"]))
print(sorted(m for m in sys.modules if m.startswith("xrf_napari.analysis")))
print(said)
"""


def test_the_readers_name_saved_images_without_importing_analysis(tmp_path):
    """io and _reader imported export (and with it the analysis package) and colour_prior for
    the words of an image xrf-napari wrote: the readers sat above analysis/. A fresh interpreter
    reading a map TIFF, a quicklook PNG, a label TIFF and a CSV's tube line imports no
    xrf_napari.analysis module, and says what each is as before."""
    from xrf_napari.analysis.export import save_label_image, write_image

    write_image(tmp_path / "map.tif", np.ones((4, 5), np.uint16), description='{"element": "Fe"}')
    write_image(tmp_path / "quicklook.png", np.ones((4, 5), np.uint8))
    save_label_image(tmp_path / "labels.tif", np.arange(20).reshape(4, 5))
    run = subprocess.run(
        [sys.executable, "-c", _READ_SAVED, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    modules, said = run.stdout.splitlines()[-2:]
    assert modules == "[]", modules
    assert "the Fe map of a scan that xrf-napari wrote (4 x 5" in said, said
    assert f": an image xrf-napari {__version__} wrote, a picture, not a spectral" in said, said
    assert "'labels', 'None', 'Mo'" in said, said
