"""The reused napari viewer (tests/conftest.py: make_reused_napari_viewer) is made when its
module fixture is first requested, before the first viewer test's own fixtures: made inside a
test that patched in a throwaway settings object (test_docks41's fresh_settings, the reader
dialog of test_reader_audit27), it followed that object, and no later test's setting reached it.
The two tests run in file order (the second checks what the first left)."""

from __future__ import annotations

import pytest
from test_docks41 import fresh_settings  # noqa: F401 (a fixture)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_first_viewer_test_with_throwaway_settings_gets_the_module_viewer(
    fresh_settings,  # noqa: F811 (the fixture, patched in before the viewer is asked for)
    make_napari_viewer,
    _reused_napari_viewer,
):
    made_before = _reused_napari_viewer.viewer is not None
    assert make_napari_viewer() is _reused_napari_viewer.viewer
    assert made_before  # made before this test's own fixtures, not inside it


def test_the_next_tests_settings_reach_the_module_viewer(make_napari_viewer):
    from napari.settings import get_settings

    viewer = make_napari_viewer()
    appearance = get_settings().appearance
    for visible in (not appearance.layer_tooltip_visibility, appearance.layer_tooltip_visibility):
        appearance.layer_tooltip_visibility = visible
        assert viewer.tooltip.visible is visible
