"""The viewer registry picks a viewer by media type, then by family."""

from viewers import base


def test_exact_type_then_family(monkeypatch):
    monkeypatch.setattr(base, "_registry", {})
    pdf = base.register("pdf", ("application/pdf",), object)
    images = base.register("image", ("image/*",), object)
    assert base.viewer_for("application/pdf") is pdf
    assert base.viewer_for("Image/TIFF; charset=binary") is images
    assert base.viewer_for("text/plain") is None
