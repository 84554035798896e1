"""File dialogs of the docks: save, open and folder choices, and asking before replacing files."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from qtpy.QtWidgets import QFileDialog, QHBoxLayout, QMessageBox, QPushButton

from ..analysis.export import IMAGE_SUFFIXES
from ..fileutil import folder_output, hidden_name

#: The save dialog is told not to ask "Replace?" (QFileDialog.DontConfirmOverwrite) and
#: ask_save_path asks once, after refusing a name that is an input: "scan.tif", typed in full
#: over the open scan, was asked about by Qt and refused only after Yes. macOS's native panel
#: asks whatever it is told, so there the dialog keeps its question (no second one).
OWN_REPLACE_QUESTION = sys.platform != "darwin"


def ask_save_path(
    parent, title: str, filters: str, suggested: str = "", beside=None, check=None
) -> str:
    """The path chosen in a save dialog ("" if cancelled). A name typed without a suffix, or with
    one no filter offers (a date, "2024.03.12"), gets the chosen filter's first one ("PNG
    (*.png)": name.png, 2024.03.12.png), as native dialogs add it: Qt's own
    returned it bare, and each dock coped differently (a CSV napari would not reopen, a refusal
    after the dialog closed, a silent .png). The dialog asked about the bare name only, so
    replacing a file of the completed name is asked here, in one question with the files the
    save writes next to it (`beside(path)`: paths, the chosen one left out), which no dialog
    named. Before that question, `check(files)` refuses those that must not be written (the
    scan's file: CubeDock.check_outputs, whose OutputError the caller reports): "scan" with the
    TIFF filter asked "scan.tif already exists. Replace?" of the open scan, refused only after
    Yes. So the dialog does not ask about the name it returns either (OWN_REPLACE_QUESTION): the
    one question is this one, after that check. Refused (ValueError) before any of that: a name
    of another file type (_refuse_other_type), one starting with a dot (refuse_hidden) and a
    folder (fileutil.folder_output)."""
    own = QFileDialog.Option.DontConfirmOverwrite if OWN_REPLACE_QUESTION else QFileDialog.Option(0)
    path, chosen = QFileDialog.getSaveFileName(parent, title, suggested, filters, "", own)
    if not path:
        return path
    ask = [path] if OWN_REPLACE_QUESTION else []
    if path.endswith(("/", os.sep)) or os.path.isdir(path):  # "adir/" became "adir/.png"
        example = os.path.join(path, os.path.basename(suggested) or "results")
        raise ValueError(folder_output(path, example))
    # "z.png." and "z.png " are "z.png", as Windows takes them: a space kept made "z.png .png"
    if path.endswith((".", " ")) and os.path.basename(path).strip(". "):
        path = path.rstrip(". ")
        ask = [path]
    refuse_hidden(path, suggested)
    if not _has_offered_suffix(path, filters):
        suffix = filter_suffix(chosen or filters.split(";;")[0])
        _refuse_other_type(path, filters, suffix)
        if suffix:
            path += suffix
            ask = [path]
    others = [str(p) for p in (beside(path) if beside else []) if str(p) != path]
    if check is not None:
        check([path, *others])
    ask += others
    return path if confirm_replace(parent, ask, "the files" if len(ask) > 1 else "the file") else ""


def _has_offered_suffix(path: str, filters: str) -> bool:
    """Whether the typed name ends in a suffix the dialog's filters offer (any suffix where one
    offers all files). A name with a dot of its own ("NG6461_2024.03.12", "scan.v2") was taken
    as having a suffix: Recolour refused it, Embed saved "NG6461_2024.03.png", Export CSV wrote
    a file without .csv that napari did not reopen."""
    suffix = os.path.splitext(os.path.basename(path))[1].lower()
    if not suffix or suffix == ".":
        return False
    if re.search(r"\(\*\)|\*\.\*", filters):
        return True
    return suffix in {s.lower() for s in filter_suffixes(filters)}


#: Every picture type, for other_type: those write_image writes, and the others.
PICTURE_SUFFIXES = frozenset(IMAGE_SUFFIXES).union(
    ".jpg .jpeg .jpe .jfif .jp2 .j2k .bmp .dib .gif .webp .avif .heic .heif .ico .tga .psd .ppm "
    ".pgm .pbm .pnm .exr .svg .pdf .eps .ps".split()
)


def other_type(name: str, offered) -> str:
    """The suffix of `name` where it names a file type outside `offered` (a picture, a file
    type named by fileutil.FILE_SUFFIXES, a scan's: io.registry.SUPPORTED_SUFFIXES), else "".
    Typed where a save offers none of them, such a suffix asks for a type the save does not
    write (a JPEG, a CSV, an HDF5 scan), not for a dot of its own ("NG6461_2024.03.12")."""
    from ..fileutil import FILE_SUFFIXES
    from ..io.registry import SUPPORTED_SUFFIXES

    typed = os.path.splitext(os.path.basename(name))[1].lower()
    known = PICTURE_SUFFIXES.union(FILE_SUFFIXES, SUPPORTED_SUFFIXES)
    return typed if typed in known and typed not in {s.lower() for s in offered} else ""


def _refuse_other_type(path: str, filters: str, chosen_suffix: str) -> None:
    """Refuse a name whose suffix is a file type the dialog does not offer (`filters`),
    advising the chosen type's suffix: "x.jpg" was saved as "x.jpg.png", a PNG named like a
    JPEG, "x.csv" as "x.csv.png" and "x.png" from Export CSV as "x.png.csv"."""
    name = os.path.basename(path)
    offered = filter_suffixes(filters)
    typed = other_type(name, offered)
    if not typed or not chosen_suffix:
        return
    kinds = " or ".join(k.strip() for k in re.findall(r"([^;()]+)\(", filters))
    raise ValueError(
        f"cannot save {name}: this save does not write {typed} files; it writes {kinds} "
        f"({', '.join(offered)}): name it {os.path.splitext(name)[0]}{chosen_suffix}, or give "
        "the name without a suffix and choose the file type in the dialog"
    )


def refuse_hidden(path: str, suggested: str) -> None:
    """Refuse a name starting with a dot (".png", "..."): saved as ".png.png" or "....png",
    hidden files (fileutil.hidden_name, the rule `recolour -o` shares); the save dialogs' and a
    script's save(path) (CubeDock.check_outputs). `suggested`: the name to give instead."""
    why = hidden_name(path, os.path.basename(suggested) or "results")
    if why:
        raise ValueError(f"cannot save {os.path.basename(path)}: {why}")


def filter_suffixes(filters: str) -> list[str]:
    """The suffixes dialog filters offer ("PNG (*.png);;TIFF (*.tif *.tiff)": .png, .tif, .tiff)."""
    return re.findall(r"\*(\.[^\s;()*]+)", filters)


def filter_suffix(name_filter: str) -> str:
    """The first suffix of a dialog filter ("TIFF (*.tif *.tiff)": ".tif"; "All (*)": "")."""
    return next(iter(filter_suffixes(name_filter)), "")


def suggested_path(scan_path, name: str) -> str:
    """Where a save dialog first points: `name` ("recoloured.png") after the scan's file and
    beside it ("/data/NG6461.rpl": "/data/NG6461_recoloured.png"), where a conservator keeps a
    scan's outputs and can tell two scans' apart. The bare name, in the process's current
    folder, was suggested for every scan. A scan without a file (an array; a sample:
    CubeDock.save_beside) keeps the bare name. A scan in a folder this process may not write (a
    read-only share, a DVD) gets its named file in the current folder: suggested beside it,
    each save was refused after the dialog ("folder ... is not writable")."""
    if not scan_path:
        return name
    scan = Path(scan_path)
    named = f"{scan.stem}_{name}"
    if _read_only(scan.parent):
        return named
    return str(scan.with_name(named))


def suggested_folder(scan_path) -> str:
    """Where a folder dialog first points: the scan's own folder ("" without a file, or where
    that folder may not be written: Qt's default, the process's current folder; see
    `suggested_path`). Save maps… and Export report… opened on a read-only share, and the
    save was refused after the dialog."""
    if not scan_path or _read_only(Path(scan_path).parent):
        return ""
    return str(Path(scan_path).parent)


def _read_only(folder: Path) -> bool:
    """An existing folder this process may not write (a read-only share, a DVD)."""
    return folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK)


def ask_folder(parent, title: str, start: str = "") -> str:
    return QFileDialog.getExistingDirectory(parent, title, start)


def ask_open_path(parent, title: str, filters: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path


def confirm_replace(parent, paths, what: str) -> bool:
    """True unless some of `paths` exist and the user declines to replace them: files a dialog
    never named (a folder dialog names none; a file dialog not the files written beside it)."""
    existing = [os.path.basename(p) for p in map(str, paths) if os.path.exists(p)]
    if not existing:
        return True
    answer = QMessageBox.question(
        parent,
        f"Replace {what}?",
        f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}. Replace?",
        QMessageBox.Yes | QMessageBox.No,
        QMessageBox.No,
    )
    return answer == QMessageBox.Yes


def weights_row(parent, edit, title: str) -> QHBoxLayout:
    """The weights-file line edit with a '\u2026' button that fills it from a file dialog."""
    button = QPushButton("\u2026")
    button.setMaximumWidth(30)

    def browse():
        path = ask_open_path(parent, title, "safetensors (*.safetensors)")
        if path:
            edit.setText(path)

    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row
