"""What xrf-napari writes into its own files to say what they are, and the words read back
from them: the Software and Description marks of its images (write_image, quicklook's plots), the
records of maps, regions and latents, the tube comment of its spectrum CSVs. Below io and
analysis: the readers name a saved image without importing the analysis code that wrote it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .fileutil import TIFF_SUFFIXES
from .tiff_pages import quiet_tifffile

#: The comment line naming the scan's tube in xrf-napari's spectrum CSVs ("# tube anode: Mo"),
#: read back by io.spectra.exported_anode: a Mo tube's export had read back with no tube.
TUBE_COMMENT = "tube anode: "


def software() -> str:
    """The mark of what xrf-napari writes, "xrf-napari <version>": write_image's Software,
    save_rgb's provenance, report.html's generator (xrf_napari_image reads it back)."""
    from . import __version__

    return f"xrf-napari {__version__}"


#: What quicklook's spectrum PNG shows, in its Description's record ({"plot": ..., "scan": ...}).
SUM_SPECTRUM = "sum spectrum"
#: What an element map's values are (map_values: and how, where the pixels' live times differ).
MAP_VALUES = "net line counts per pixel"


#: What an image of regions or of the latent is, in its Description's record ({"image": ...}:
#: image_record): the region numbers (save_label_image's PNG, the Pigments report's
#: regions.png), each region's colour (Save labels & spectra's PNG, `embed`'s labels.png:
#: write_region_colours), the latent's colours (`embed`'s latent.png), each region's chosen
#: pigment's colour (the Pigments report's pigment_recolour.png).
REGION_MAP, REGION_COLOURS, LATENT_COLOURS = "region map", "region colours", "latent colours"
PIGMENT_COLOURS = "pigment colours"
_IMAGE_WORDS = {
    REGION_MAP: ("a region map", "region numbers as pixel values"),
    REGION_COLOURS: (
        "a region image",
        "each region in its own colour: Embed & cluster's Save labels & spectra, `embed`'s "
        "labels.png",
    ),
    LATENT_COLOURS: (
        "a latent image",
        "the embedder's first three latent axes as red, green and blue: `embed`'s latent.png",
    ),
    PIGMENT_COLOURS: (
        "a pigment image",
        "each region in the colour of the pigment chosen for it: the Pigments report's "
        "pigment_recolour.png",
    ),
}


def image_record(kind: str, labels: np.ndarray | None = None) -> str:
    """The record of an image of `kind` (REGION_MAP, REGION_COLOURS, LATENT_COLOURS,
    PIGMENT_COLOURS) for its Description, with the number of regions where it draws `labels`."""
    import json

    record = {"image": kind}
    if labels is not None:
        record["regions"] = int(np.max(labels, initial=0))
    return json.dumps(record)


def xrf_napari_image(software: str, description: str) -> str | None:
    """What an image is by the marks write_image (and quicklook's plots) leave in it: its
    Software text or tag and its Description or ImageDescription. "the SmallUViT's recoloured
    image of <scan>" (save_rgb's provenance JSON names the recolouriser and the scan), "an image
    xrf-napari <version> wrote" for any other, None for an image xrf-napari did not write. Its
    marks are "xrf-napari" and a word ("xrf-napari 0.1.0", "xrf-napari quicklook"): another
    program's name that only starts alike ("xrf-napari-tools", "xrf-naparix") is not one."""
    import json

    if str(software or "").split(" ")[0] != "xrf-napari":
        return None
    try:
        made = json.loads(description or "")
    except ValueError:
        made = None
    if isinstance(made, dict) and "recolouriser" in made:
        scan = Path(str(made.get("scan") or "")).name
        return "the SmallUViT's recoloured image" + (f" of {scan}" if scan else "")
    return record_words(made) or f"an image {software} wrote"


def record_words(record) -> str:
    """What an image is by its record (its Description, parsed): "the Fe Ka map of panel that
    xrf-napari wrote" (map_record's: a map TIFF, a quicklook map PNG), "the sum spectrum of
    panel that xrf-napari wrote" (quicklook's spectrum PNG), "a region map that xrf-napari
    wrote (...)" (save_label_image's; region and latent images: image_record); "" for any
    other. The quicklook, region and latent PNGs were named only "an image xrf-napari <version
    or quicklook> wrote". An "image" that is no text is no kind of ours: a list or an object
    there (a damaged or edited file) had raised TypeError (unhashable) in napari's reader claim
    and `info`."""
    if not isinstance(record, dict):
        return ""
    kind = record.get("image")
    if isinstance(kind, str) and kind in _IMAGE_WORDS:
        noun, how = _IMAGE_WORDS[kind]
        return f"{noun} that xrf-napari wrote ({how})"
    scan = record.get("scan") or "a scan"
    if "element" in record:
        made = f"{record['element']} {record.get('line', '')}".strip() + " map"
    elif record.get("plot") == SUM_SPECTRUM:
        made = SUM_SPECTRUM
    else:
        return ""
    return f"the {made} of {scan} that xrf-napari wrote"


def image_marks(path) -> tuple[str, str] | None:
    """(Software, Description) of an image file: a TIFF's (.tif, .tiff) first page's software
    tag and ImageDescription, any other image's (PNG) Software and Description texts ("" where
    absent); None for a file that cannot be read as an image. The one reader of the marks that
    write_image and quicklook leave (xrf_napari_image, MAPS_BY_QUICKLOOK); a TIFF open already
    reads them with tiff_marks."""
    path = Path(path)
    try:
        if path.suffix.lower() in TIFF_SUFFIXES:
            import tifffile

            with tifffile.TiffFile(path) as tif:
                return tiff_marks(tif.pages[0])
        from PIL import Image

        with Image.open(path) as im:
            return im.info.get("Software", ""), im.info.get("Description", "")
    except Exception:  # not an image it can read: not one xrf-napari wrote
        return None


def tiff_marks(page) -> tuple[str, str]:
    """(Software, Description) of a TIFF's first page, open already (image_marks' for a TIFF)."""
    return page.software, page.description


def saved_image_words(page) -> str | None:
    """What a one-image TIFF xrf-napari wrote is and how to open it, from its first `page`
    (open already), for a reader refusing it as a scan; None for another program's image.
    `xrf-napari info` on a region map or an element map said only "the TIFF holds a 2-D image
    (40, 50) (axes YX), not a spectral stack"."""
    import json

    made = xrf_napari_image(*tiff_marks(page))
    if made is None:
        return None
    h, w = (int(n) for n in page.shape[:2])
    try:
        record = json.loads(page.description or "")
    except ValueError:
        record = None
    if isinstance(record, dict) and "element" in record:  # save_element_maps' record
        return (
            f"{record_words(record)} ({h} x {w}, {record.get('values') or MAP_VALUES}), not a "
            "spectral datacube; open it in napari (as an image of its values) or in Fiji, QGIS "
            "or PyMca"
        )
    if np.dtype(page.dtype) == np.uint32:  # save_label_image's TIFF
        return (
            f"a region map that xrf-napari wrote ({h} x {w}, region numbers as pixel values: "
            "Embed & cluster's Save labels & spectra), not a spectral datacube; open it in "
            "napari: it opens as a Labels layer, the Pigments panel's Regions"
        )
    return f"{made} ({h} x {w}), not a spectral datacube; open it in napari"


def made_by_xrf_napari(path) -> str | None:
    """What `path` is when xrf-napari wrote it (export.write_image marks every PNG and TIFF it
    writes with Software "xrf-napari <version>"; quicklook's plots "xrf-napari quicklook"): "the
    SmallUViT's recoloured image of <scan>" or "an image xrf-napari wrote"; None for any other
    file, or one that cannot be read as an image (read_photo says why then). `xrf-napari
    pigments --photo recoloured.tif` took the recolouriser's guess as the painting's photograph
    and reported its colours as the photograph's, where the Pigments dock offers no recoloured
    layer as its Photograph."""
    with quiet_tifffile():
        marks = image_marks(path)
    return xrf_napari_image(*marks) if marks else None  # unreadable: read_photo names the fault
