"""`secondo demo`: builds the DEMO package, imports it into a data folder and shows the case.
The window's walk (screenshots, signing, sending) is tested in tests/ui/test_demo_offscreen.py,
in its own process; here the Qt-free part alone (`--no-window`)."""

import json

from app.cli import main


def test_demo_builds_imports_and_shows_the_case(tmp_path, capsys, isolated_home):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--ct-slices", "3", "--no-window"]) == 0
    out = capsys.readouterr().out
    assert "Manifest signature: signed by DEMO Sending Hospital, trusted" in out
    assert f"Imported into {isolated_home}" in out
    assert "Patient: TEST, Patient, born 01/01/1970" in out
    assert main(["cases", "--json"]) == 0
    (case,) = json.loads(capsys.readouterr().out)
    assert case["signature"] == "valid" and case["missing_items"] == 0
    assert main(["demo", "--out", str(tmp_path / "demo"), "--ct-slices", "3", "--no-window"]) == 0  # again: the same case
    capsys.readouterr()
    assert main(["cases", "--json"]) == 0
    assert [c["case_id"] for c in json.loads(capsys.readouterr().out)] == [case["case_id"]]
