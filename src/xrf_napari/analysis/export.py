"""Writing results for other tools: spectra as CSV, label images as PNG/TIFF, element maps as
float TIFFs with a table (atomic writes)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from ..fileutil import TIFF_SUFFIXES, atomic_path, atomic_set, made_folder, printable
from ..saved_marks import (
    MAP_VALUES,
    REGION_COLOURS,
    REGION_MAP,
    TUBE_COMMENT,
    image_record,
    software,
)

#: 10 significant digits: counts read back exactly up to 10^10 (6 digits moved a real PyMca
#: spectrum's counts of 10^6 and more by up to 5 on reading the export back)
_CSV_FMT = "%.10g"


def save_spectra_csv(
    path,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    x_name: str = "energy_keV",
    comments: list[str] | None = None,
    anode: str | None = None,
) -> Path:
    """curves: {name: (x, y)}. Curves sharing one x axis give one wide table (x, name1, name2..);
    otherwise a long table (curve, x, value). Comment lines start with '#'. Names and comments go
    through fileutil.printable: a scan path with a line break split its comment line in two.
    `anode`: the scan's tube (detector.known_anode), written as a comment line io.spectra.read_csv
    reads back (TUBE_COMMENT): the exports kept the calibration but lost the tube."""
    path = Path(path)
    if not curves:
        raise ValueError("there is no spectrum to export")
    if anode:
        comments = [*(comments or []), f"{TUBE_COMMENT}{anode}"]
    items = [
        (name, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        for name, (x, y) in curves.items()
    ]
    x0 = items[0][1]
    wide = all(x.shape == x0.shape and np.allclose(x, x0) for _, x, _ in items)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.writelines(f"# {printable(line)}\n" for line in comments or [])
        writer = csv.writer(f, lineterminator="\n")  # as the comments: one line ending
        if wide:
            writer.writerow([x_name] + [printable(name) for name, _, _ in items])
            table = np.column_stack([x0] + [y for _, _, y in items])
            np.savetxt(f, table, delimiter=",", fmt=_CSV_FMT)
        else:
            writer.writerow(["curve", x_name, "value"])
            for name, x, y in items:
                name = printable(name)
                writer.writerows([[name, _CSV_FMT % a, _CSV_FMT % b] for a, b in zip(x, y)])
    return path


def save_cluster_spectra(
    path,
    energy,
    spectra,
    counts,
    *,
    source,
    calibration: str,
    labels_file: str,
    edited: bool = False,
    anode: str | None = None,
) -> Path:
    """The regions' mean spectra (one column per region, `cluster_1`..) and their pixel counts:
    the one layout of `xrf-napari embed`'s cluster_spectra.csv and the Embed & cluster dock's
    Save. The first column is `channel` for an uncalibrated scan: `energy_keV` over channel
    numbers misled a tool that reads the header. A region painted away (0 pixels) has no mean:
    its column is left out (the pixel counts still list it), not written as a zero spectrum. The
    first comment line says what that first column is: it named only the calibration's source
    ("calibration file"). `edited`: the regions are the user's, painted on the clusters layer
    after the run: the header said "K-Means cluster" of them too. `anode`: save_spectra_csv's."""
    what = "region (edited on the layer)" if edited else "region (K-Means cluster)"
    curves = {
        f"cluster_{i + 1}": (energy, spec)
        for i, (spec, n) in enumerate(zip(spectra, counts))
        if n > 0
    }
    energy = np.asarray(energy, dtype=np.float64)
    axis = (
        f"first column channel: channel numbers {energy[0]:.6g} to {energy[-1]:.6g} "
        "(calibration none: the scan has no energy calibration)"
        if calibration == "none"
        else f"first column energy_keV: each channel's energy in keV, {energy[0]:.6g} to "
        f"{energy[-1]:.6g} (calibration source: {calibration})"
    )
    comments = [
        f"mean counts per pixel of each {what} of {source}, one column per "
        f"region; {axis}; labels in {labels_file}",
        "pixels per cluster: "
        + ", ".join(f"cluster_{i + 1}={int(c)}" for i, c in enumerate(counts)),
    ]
    x_name = "channel" if calibration == "none" else "energy_keV"
    return save_spectra_csv(path, curves, x_name=x_name, comments=comments, anode=anode)


#: What write_image writes, by suffix: PNG or TIFF.
IMAGE_SUFFIXES = (".png", *TIFF_SUFFIXES)


def refuse_image_suffix(path, what: str) -> None:
    """Refuse `path` unless write_image writes its suffix (the one rule of the docks' save(path)
    from a script and of write_image): Embed & cluster's save("x.jpg") wrote x.png and
    save("regions 2024.03.12") regions 2024.03.png, where Recolour's refused them."""
    if Path(path).suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"cannot write {path}: {what} is saved as .png, .tif or .tiff")


def write_image(
    path,
    data: np.ndarray,
    what: str = "image",
    description: str | None = None,
    labels: bool = False,
) -> Path:
    """Write a uint8/uint16 grey (H, W) or RGB (H, W, 3) array as PNG or TIFF (by suffix),
    atomically. 16-bit RGB PNG, which Pillow cannot write, is encoded here (png_rgb16).
    `description` (e.g. JSON saying what made the image) goes into the PNG's Description text
    or the TIFF's ImageDescription, beside Software = xrf-napari and its version. `labels`: a
    label map (save_label_image), whose TIFF may be uint32 and is zlib-compressed, with no
    tifffile shape record in its description."""
    path = Path(path)
    refuse_image_suffix(path, what)
    suffix = path.suffix.lower()
    data = np.asarray(data)
    tiff = suffix in TIFF_SUFFIXES
    kinds = (np.uint8, np.uint16, np.uint32) if labels and tiff else (np.uint8, np.uint16)
    if data.dtype not in kinds or not (
        data.ndim == 2 or (data.ndim == 3 and data.shape[2] == 3 and not labels)
    ):
        raise ValueError(
            f"cannot write {path}: {what} must be uint8 or uint16, grey (H, W) or RGB (H, W, 3); "
            f"got {data.dtype} {data.shape}"
        )
    if suffix == ".png":
        with atomic_path(path) as tmp:
            if data.ndim == 3 and data.dtype == np.uint16:
                Path(tmp).write_bytes(png_rgb16(data, software(), description))
            else:
                from PIL import Image, PngImagePlugin

                info = PngImagePlugin.PngInfo()
                info.add_text("Software", software())
                if description:
                    info.add_itxt("Description", description)  # iTXt: UTF-8 allowed
                Image.fromarray(data).save(tmp, format="PNG", pnginfo=info)
    else:
        import tifffile

        # a label map: regions compress well; metadata=None: no tifffile shape record
        extra = {"compression": "zlib", "metadata": None} if labels else {}
        with atomic_path(path) as tmp:
            tifffile.imwrite(
                tmp,
                data,
                photometric="rgb" if data.ndim == 3 else "minisblack",
                description=description,
                software=software(),
                **extra,
            )
    return path


def png_rgb16(rgb: np.ndarray, software: str = "", description: str | None = None) -> bytes:
    """A 16-bit RGB PNG of (H, W, 3) uint16 (colour type 2, bit depth 16, no filtering), with
    the Software text and the Description (iTXt, UTF-8) that write_image gives Pillow's PNGs:
    without them xrf_napari_image did not know a 16-bit RGB PNG as xrf-napari's."""
    import struct
    import zlib

    h, w, _ = rgb.shape

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = np.ascontiguousarray(rgb, dtype=">u2").reshape(h, w * 6 // 2).view(np.uint8)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows.reshape(h, w * 6)], axis=1)
    texts = chunk(b"tEXt", b"Software\0" + software.encode("latin-1")) if software else b""
    if description:  # iTXt: keyword, no compression, no language or translated keyword
        texts += chunk(b"iTXt", b"Description\0\0\0\0\0" + description.encode("utf-8"))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
        + texts
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def write_region_colours(path, labels: np.ndarray, k: int) -> Path:
    """Regions (H, W) drawn each in its own colour (embed.label_colours, as the clusters layer
    shows them) as a PNG or TIFF that says what it is (record_words): the dock's Save labels &
    spectra and `embed`'s labels.png were named "an image xrf-napari <version> wrote"."""
    from .embed import label_colours

    colours = label_colours(k)[labels]
    return write_image(path, colours, "a label map", image_record(REGION_COLOURS, labels))


def save_label_image(path, labels: np.ndarray) -> Path:
    """Labels (H, W) as PNG (8 or 16 bit grey) or TIFF, values unchanged. The TIFF is 32-bit,
    zlib-compressed (regions compress well): napari opens a 32-bit integer image as a Labels
    layer, so regions saved as TIFF and dragged into napari again are regions (the Pigments
    panel's *Regions*); as 8 or 16 bits they came back as an Image of numbers, which no panel
    offers as regions."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be (H, W), got shape {labels.shape}")
    if labels.min(initial=0) < 0 or labels.max(initial=0) > 65535:
        raise ValueError("labels must lie in 0..65535 to be saved as an image")
    record = None
    if Path(path).suffix.lower() in TIFF_SUFFIXES:
        data = labels.astype(np.uint32)  # its 32 bits say what it is (saved_image_words)
    else:  # a PNG says it in its record (record_words)
        data = labels.astype(np.uint8 if labels.max(initial=0) < 256 else np.uint16)
        record = image_record(REGION_MAP, labels)
    return write_image(path, data, "a label map", description=record, labels=True)


#: Runs of characters a file name cannot hold (Windows' list; "/" would make a sub-folder).
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


#: What a file name must not begin with: spaces, a dot (a hidden file, or "../" out of the
#: folder) or a dash, which every command (ours, rm, cp) reads as an option: quicklook of
#: "-my scan" wrote "-my scan_Ca_Ka.tif", which `xrf-napari info` then refused bare.
_NOT_AT_START = re.compile(r"^[\s.\-]+")


def file_stem(name: str) -> str:
    """`name` (a scan's layer name, which the user may edit) made safe to start a file name in
    the chosen folder: no separators or characters Windows refuses, nothing `_NOT_AT_START`
    refuses at its start."""
    return _NOT_AT_START.sub("", _NOT_IN_FILE_NAMES.sub("_", name)).strip() or "scan"


#: Who wrote a maps set, in each TIFF's software tag and at the start of the table's first line.
MAPS_BY_DOCK = "xrf-napari Elemental maps"
MAPS_BY_QUICKLOOK = "xrf-napari quicklook"


def map_values(cube) -> str:
    """MAP_VALUES of `cube`'s maps, saying how they were brought to the scan's median live time
    where its pixels' live times differ (Cube.live_time_scale)."""
    scale = cube.live_time_scale()
    return MAP_VALUES if scale is None else f"{MAP_VALUES}, {scale.words}"


def save_element_maps(
    folder,
    name: str,
    plans,
    maps: dict,
    inputs=(),
    made_by: str = MAPS_BY_DOCK,
    calibration=None,
    folder_inputs=(),
    values: str = MAP_VALUES,
) -> list[Path]:
    """Element maps as 32-bit float TIFFs of net line counts per pixel (values, not a picture:
    Fiji, QGIS or PyMca read them as they are) and `<name>_maps.csv`, one row per map: its line,
    the peak and background windows that made it, and its total and maximum (`name` through
    file_stem). The values are written as given: maps from analysis.maps keep their negative
    pixels (noise around an absent line), so the total and a region's mean in Fiji are unbiased;
    clipped at 0 they summed to thousands of counts for an element that is not there. Checked
    before anything is written (never over an input; `folder_inputs` as fileutil.check_outputs);
    the files replace earlier ones all together (atomic_set): a full disk half-way left edited
    maps beside the earlier table.
    `made_by` marks the files (a quicklook rerun removes only its own). Each TIFF also carries
    its own record as JSON in ImageDescription (scan, line, windows, method, the scan's
    `calibration` (an energy.Calibration: its offset, gain, quadratic in keV and source), the
    code): a TIFF copied away from its CSV still says on which keV axis its windows were set.
    `values`: what the values are (map_values), in each record and the table's first line."""
    from ..fileutil import check_output_folder

    plans = [p for p in plans if p.symbol in maps]
    if not plans:
        raise ValueError("there are no maps to save: make them first")
    folder = Path(folder)
    stem = file_stem(name)
    names = [f"{stem}_{p.symbol}_{p.line.family}.tif" for p in plans] + [f"{stem}_maps.csv"]
    check_output_folder(folder, names, inputs=inputs, folder_inputs=folder_inputs)
    with made_folder(folder), atomic_set():
        _write_element_maps(folder, name, plans, maps, names, made_by, calibration, values)
    return [folder / n for n in names]


def map_record(name: str, plan, calibration, values: str) -> str:
    """An element map's record as JSON (ASCII): its scan, line, windows, method, calibration and
    the code; each map TIFF's ImageDescription and each quicklook map PNG's Description, which
    record_words reads back."""
    import json

    from ..provenance import code_identity

    return json.dumps(
        {
            "scan": printable(name),
            "values": values,
            "element": plan.symbol,
            "line": plan.line.family,
            "line_keV": round(float(plan.line.energy), 4),
            "peak_keV": [round(float(e), 4) for e in plan.peak],
            "background_keV": [[round(float(e), 4) for e in w] for w in plan.background],
            "method": plan.method,
            "note": printable(plan.note),
            "calibration": None if calibration is None else calibration.to_dict(),
            "code": code_identity(),
        },
        ensure_ascii=True,  # TIFF ASCII tag
    )


def _write_element_maps(
    folder: Path, name: str, plans, maps: dict, names, made_by: str, calibration, values: str
) -> None:
    import tifffile

    rows = []
    for plan, file in zip(plans, names):
        data = np.asarray(maps[plan.symbol], dtype=np.float32)
        with atomic_path(folder / file) as tmp:
            tifffile.imwrite(
                tmp,
                data,
                photometric="minisblack",
                software=made_by,
                description=map_record(name, plan, calibration, values),
                metadata=None,  # else tifffile's own JSON shape record takes the description
            )
        rows.append(
            [
                plan.symbol,
                plan.line.family,
                f"{plan.line.energy:.4f}",
                f"{plan.peak[0]:.4f}",
                f"{plan.peak[1]:.4f}",
                " ".join(f"{lo:.4f}-{hi:.4f}" for lo, hi in plan.background),
                plan.method,
                f"{float(data.sum(dtype=np.float64)):.6g}",
                f"{float(data.max(initial=0.0)):.6g}",
                printable(file),
                printable(plan.note),
            ]
        )
    table = folder / names[-1]
    with atomic_path(table) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(
            # the scan named before the values: "{values} of {name}" put it after their
            # live-time words ("... live times run 0.498-1.22 s of aps")
            f"# {made_by}: maps of {printable(name)} in {values}; one 32-bit float "
            "TIFF per map; values not clipped at 0 (negative pixels are noise around an absent "
            "line), so totals and region means are unbiased\n"
        )
        writer = csv.writer(f)
        writer.writerow(
            [
                "element",
                "line",
                "line_keV",
                "peak_from_keV",
                "peak_to_keV",
                "background_windows_keV",
                "method",
                "total_net_counts",
                "max_net_counts",
                "file",
                "note",
            ]
        )
        writer.writerows(rows)
