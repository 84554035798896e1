"""Review of the user-guide walk-through's fixes (session 64): the output refusals' paths as
the lines around them print them, and Save labels & spectra's dialog named as its button."""

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_an_output_under_an_odd_named_file_is_refused_naming_it_printably(tmp_path):
    """A save under a file whose name holds a line break or a non-UTF-8 byte (a Latin-1 name
    from an old share) was refused "cannot write .../a<line break>b/x.png: .../a<line break>b
    is not a folder", the message broken in two in the dock's line and notification, where the
    refusals beside it (a link loop, a dangling link) print such names as \\n and \\xe9."""
    import os

    from xrf_napari.fileutil import OutputError, check_outputs

    for stem in ("a\nb", os.fsdecode(b"r\xe9f")):
        (tmp_path / stem).write_bytes(b"")
        with pytest.raises(OutputError) as err:
            check_outputs(files=[str(tmp_path / stem / "x.png")], inputs=[])
        said = str(err.value)
        assert said.endswith(" is not a folder; choose another output folder"), said
        assert said.isprintable(), said
        assert said.encode("utf-8")  # no lone surrogate left in it
        assert said.count("a\\nb" if "\n" in stem else "r\\xe9f") == 2, said


def test_save_labels_dialog_is_named_as_its_button(make_napari_viewer, monkeypatch):
    """Embed & cluster's "Save labels & spectra…" asked for its file in a dialog titled "Save
    cluster labels" (the other docks' dialogs name what their buttons save), though it writes
    the labels image and the spectra CSV beside it, of painted regions as well as clusters."""
    import xrf_napari.widgets.embed as embed_mod

    asked = []
    monkeypatch.setattr(embed_mod, "ask_save_path", lambda _p, title, *a, **k: asked.append(title))
    viewer = make_napari_viewer()
    dock = embed_mod.EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock._save_clicked()
    button = dock.save_button.text().replace("&&", "&").rstrip("\u2026")
    assert asked == [button] == ["Save labels & spectra"]
