"""Readers, session 49: a cut-short .mca, ..."""

import warnings

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_spectrum

COUNTS = np.random.default_rng(49).integers(0, 1000, size=512)


def _amptek(counts, end: bool = True) -> str:
    data = "\n".join(map(str, counts))
    return "<<PMCA SPECTRUM>>\nTAG - live\n<<DATA>>\n" + data + ("\n<<END>>\n" if end else "")


def test_mca_cut_short_is_read_with_a_warning_naming_the_file(tmp_path):
    """An Amptek .mca cut before its <<END>>, and a SPEC one holding fewer values than its
    #@CHANN declares, opened as shorter spectra without a word; an Amptek one cut inside its
    header was "unexpected line in .mca: '<<PMCA SPECTRUM>>'"."""
    whole = _amptek(COUNTS)
    cut = tmp_path / "cut_amptek.mca"
    cut.write_text(whole[: len(whole) // 2], encoding="utf-8")
    with pytest.warns(UserWarning, match=r"cut_amptek\.mca: its <<DATA>> section has no <<END>>"):
        sp = read_spectrum(cut)
    assert 2 < sp.counts.size < COUNTS.size
    spec = tmp_path / "cut_spec.mca"
    body = " ".join(map(str, COUNTS[:300]))
    spec.write_text(f"#@CHANN 512 0 511 1\n#@CALIB 0 0.01 0\n@A {body}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"cut_spec\.mca: #@CHANN declares 512 channels.*300"):
        assert read_spectrum(spec).counts.size == 300
    head = tmp_path / "cut_head.mca"
    head.write_text(whole[:20], encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"cut_head\.mca: an Amptek .mca without its <<DATA>>"):
        read_spectrum(head)
    for name, text in (
        ("whole_amptek.mca", whole),
        ("whole_spec.mca", f"#@CHANN 512 0 511 1\n@A {' '.join(map(str, COUNTS))}\n"),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert read_spectrum(tmp_path / name).counts.size == COUNTS.size
