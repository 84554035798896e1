"""Images read as a viewer shows them, 8-bit RGB: the paintings of `xrf-napari-train generate
--images` (synth.dataset) and the photograph of `xrf-napari pigments --photo` (colour_prior).
One reader for both, so that a fault fixed in one (an EXIF orientation, a transparent surround, a
CMYK profile, a 16-bit range) is fixed in the other. Pillow is imported inside the functions."""

from __future__ import annotations

import numpy as np


class UnknownRangeError(ValueError):
    """A 32-bit integer or floating-point image, whose value range is not known (rgb_image)."""


def rgb_image(im, path):
    """`im` (a PIL image) as 8-bit RGB, upright and as it is seen. PIL's plain convert("RGB")
    gave the cubes another picture than the one a viewer shows, unsaid:

    - An EXIF Orientation (a phone's or camera's photograph of a painting) is applied: the
      painting was generated sideways, its crops and target colours those of a rotated picture.
    - A transparent image (RGBA, LA, or a palette or colour key with transparency: a painting cut
      out of its background) is composited on white, as a viewer or a print shows it: its
      transparent pixels took their hidden colour values (often black), a surround the generator
      painted as carbon black.
    - A CMYK image with an ICC profile is converted through it to sRGB (PIL.ImageCms): the plain
      conversion ignores the profile (a grey ramp came out a third too dark). Without a profile,
      with a profile littlecms cannot use, or in a Pillow built without ImageCms, the plain
      conversion, as before.
    - A 16-bit grayscale image (PNG or TIFF, mode I;16) is scaled from its 0-65535 range: PIL's
      convert clips each value at 255, so a scan's photograph came out white. Pillow before 10.3
      opens a 16-bit grayscale PNG as mode I (pyproject allows pillow>=10): a PNG holds at most 16
      bits a sample, so its mode I is scaled the same. Another integer image of mode I (a 32-bit
      or signed 16-bit TIFF) or a floating-point one (mode F) has no range to scale from (convert
      made a float image of 0-1 values black): refused, naming the file."""
    from PIL import Image

    fmt = im.format  # a transposed copy has none
    im = _upright(im)
    if im.mode.startswith("I;16") or (im.mode == "I" and fmt == "PNG"):
        grey = (np.asarray(im, dtype=np.float64) / 257.0).round().astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if im.mode in ("I", "F"):
        kind = "floating-point" if im.mode == "F" else "32-bit or signed integer"
        raise UnknownRangeError(
            f"image {path} is a {kind} image (PIL mode {im.mode}), whose value range is not "
            "known: save it as an 8- or 16-bit image (RGB or grayscale)"
        )
    if im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info:
        return on_white(im.convert("RGBA"))
    if im.mode == "CMYK" and im.info.get("icc_profile"):
        return _cmyk_through_profile(im)
    return im.convert("RGB")


def on_white(rgba):
    """An RGBA PIL image composited on white, as RGB: how a transparent image is seen (a viewer,
    a print). rgb_image reads files so; colour_prior.photo_on_scan an 8-bit RGBA array (a PNG
    with alpha opened in napari), so the Pigments dock and `pigments --photo` see one colour."""
    from PIL import Image

    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


EXIF_ORIENTATION = 0x0112


def exif_turn(im) -> int:
    """The EXIF Orientation of a Pillow image other than upright (2-8: mirrored or turned, as
    cameras store a photograph taken upright), else 0 (none, upright, or an unreadable EXIF)."""
    try:
        value = im.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # a malformed EXIF block: PIL's own reading of it raises many kinds
        return 0
    return value if isinstance(value, int) and value in range(2, 9) else 0


def _upright(im):
    """`im` turned as its EXIF Orientation says (itself when upright: exif_transpose copies).
    Loaded first: a recent Pillow turns a TIFF itself on loading it (and drops its tag)."""
    from PIL import ImageOps

    im.load()
    return ImageOps.exif_transpose(im) if exif_turn(im) else im


def _cmyk_through_profile(im):
    """CMYK `im` to RGB through its embedded ICC profile to sRGB; PIL's plain conversion where
    the profile cannot be used (or this Pillow has no ImageCms)."""
    import io

    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without littlecms
        return im.convert("RGB")
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(im, source, srgb, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im.convert("RGB")
