"""The Pigments feature as a user meets it (issue 14): the `pigments` command's refusals of a bad
--labels."""

import numpy as np
import pytest
from _napari_helpers import write_painted_cube


def test_the_scan_s_own_h5_given_as_labels_is_named_as_the_scan(tmp_path, capsys):
    """`pigments scan.h5 --labels scan.h5` on a scan with no label map in it said only "--labels
    scan.h5: no 'labels' dataset in the file (it holds: counts, energy)", not that the file is
    the scan itself, as the same slip with a TIFF scan is told. A synthetic cube's own truth
    labels (targets/labels) are still read from it."""
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.cli.main import main
    from xrf_napari.cli.pigments_cmd import read_labels
    from xrf_napari.io.project_h5 import write_cube

    scan = tmp_path / "scan.h5"  # a scan as a reader or converter writes it: no targets
    write_cube(scan, painted_counts()[0], CANONICAL_CAL, metadata={"name": "scan"})
    out = tmp_path / "o"
    assert main(["pigments", str(scan), "--labels", str(scan), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--labels {scan} is the scan itself ({scan}) and holds no label map" in err, err
    assert "give a label map" in err and not out.exists()
    other = write_painted_cube(tmp_path / "painted.h5")  # a synthetic cube: truth labels
    with pytest.raises(ValueError, match="no 'labels' dataset in the file"):  # another file
        read_labels(scan, (24, 20), scan=other)
    # a synthetic cube's truth labels (its targets) are its regions, counted from 1
    lab = read_labels(other, (24, 20), scan=other)
    assert lab.min() >= 1 and len(np.unique(lab)) == 4
