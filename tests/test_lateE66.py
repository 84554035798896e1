"""Session 66, helper lateE66: embed's, pigments' and recolour's refusals of their output name
the option as typed (-o or --output), as quicklook's and the shared folder-name check do."""

from __future__ import annotations

from _cli_models import write_toy_scan

from xrf_napari.cli.main import main


def _err(capsys, argv) -> str:
    assert main([*argv, "--no-progress"]) == 2
    return capsys.readouterr().err


def test_output_refusals_name_the_option_as_typed(tmp_path, capsys):
    """`embed/pigments/recolour SCAN -o X` were refused as "--output X: ...", an option the user
    did not type. Fails on the parent: "--output" in each refusal."""
    scan = write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]
    out = tmp_path / "rep"
    out.mkdir()
    (out / "labels.png").write_text("mine", encoding="utf-8")  # embed's: not an earlier run's
    (out / "report.html").write_text("<html>mine</html>", encoding="utf-8")
    blocked = tmp_path / "blocked"  # outputs' names taken by folders: fileutil.check_outputs
    (blocked / "latent.h5").mkdir(parents=True)
    (blocked / "report.html").mkdir()
    loop = tmp_path / "loop.png"  # recolour's: a link to itself
    loop.symlink_to(loop)
    for option in ("-o", "--output"):
        said = {
            "embed others": _err(capsys, ["embed", str(scan), option, str(out), "--device", "cpu"]),
            "embed taken": _err(capsys, ["embed", str(scan), option, str(blocked)]),
            "pigments others": _err(capsys, ["pigments", str(scan), option, str(out)]),
            "pigments taken": _err(capsys, ["pigments", str(scan), option, str(blocked)]),
            "recolour suffix": _err(capsys, ["recolour", str(scan), option, str(out / "x.jpg")]),
            "recolour folder": _err(capsys, ["recolour", str(scan), option, str(out)]),
            "recolour taken": _err(capsys, ["recolour", str(scan), option, str(loop)]),
        }
        other = "--output" if option == "-o" else "-o "
        for what, err in said.items():
            assert f"error: {option}" in err and other not in err, (option, what, err)
        assert f"give another {option}, or move them out of the way" in said["embed others"]
