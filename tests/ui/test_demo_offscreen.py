"""`secondo demo --out DIR` with no display: the window walks offscreen through the worklist,
the referral PDF, the scanned TIFF, the CT series and the form, writes a PNG of each, exits 0."""

from PySide6.QtGui import QImage

from app.cli import main

SHOTS = ("01-worklist", "02-case-referral-pdf", "03-scanned-tiff", "04-ct-series", "05-form")


def distinct_colours(image: QImage) -> int:
    step = 13
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def test_demo_writes_a_screenshot_of_each_kind_of_document(qapp, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--ct-slices", "3"]) == 0
    printed = capsys.readouterr().out
    assert "Patient: TEST, Patient, born 01-01-1970" in printed  # the text output is kept
    for name in SHOTS:
        path = out / f"{name}.png"
        assert f"Screenshot: {path}" in printed
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1600, 1000), name
        assert distinct_colours(image) > 2, name  # something was drawn, not a blank window
    assert not qapp.topLevelWidgets() or not any(w.isVisible() for w in qapp.topLevelWidgets())
