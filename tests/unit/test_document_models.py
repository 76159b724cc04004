"""The Qt-free halves of the document viewers: PDF envelope check, Pillow decoding, text
encodings, and how a failed load becomes a message in the viewer."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from app.core.errors import BadInputError
from viewers import documents
from viewers.image.model import ImageDecodeError, load_image_pages
from viewers.pdf import model as pdf_model
from viewers.text.model import TextDecodeError, decode_text


def make_pdf(pages: int = 2, word: str = "Zanzibar", encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    for number in range(pages):
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, 760, f"Page {number + 1}: the {word} nodule")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_bytes(images: list[Image.Image], fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=len(images) > 1, append_images=images[1:], **options)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------

def test_a_good_pdf_has_pages_and_no_problem():
    assert pdf_model.pdf_info(make_pdf(3)) == (3, None)
    assert pdf_model.check_pdf(make_pdf(1)) == 1


def test_a_truncated_pdf_is_damaged():
    data = make_pdf(2)
    pages, problem = pdf_model.pdf_info(data[: len(data) // 2])
    assert pages is None and problem == pdf_model.damaged()
    with pytest.raises(BadInputError, match="damaged"):
        pdf_model.check_pdf(data[:-200])


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x89PNG\r\n\x1a\n" + b"\0" * 100])
def test_not_a_pdf(data):
    assert pdf_model.pdf_info(data) == (None, pdf_model.not_a_pdf())


def test_an_encrypted_pdf_is_reported():
    pages, problem = pdf_model.pdf_info(make_pdf(1, encrypt="secret"))
    assert problem == pdf_model.encrypted()


# --- images ----------------------------------------------------------------------------------

def test_a_two_page_tiff_gives_two_pages():
    first, second = Image.new("L", (40, 30), 10), Image.new("RGB", (20, 50), (200, 0, 0))
    pages = load_image_pages(image_bytes([first, second], "TIFF"))
    assert [(p.mode, p.size) for p in pages] == [("L", (40, 30)), ("RGB", (20, 50))]


def test_png_with_alpha_is_flattened_on_white():
    transparent = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    [page] = load_image_pages(image_bytes([transparent], "PNG"))
    assert page.mode == "RGB" and page.getpixel((0, 0)) == (255, 255, 255)


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    [page] = load_image_pages(image_bytes([image], "JPEG", exif=exif.tobytes()))
    assert page.size == (20, 60)


def test_sixteen_bit_grey_is_scaled_to_eight_bits():
    image = Image.new("I;16", (4, 1))
    image.putdata([0, 1000, 2000, 4000])
    [page] = load_image_pages(image_bytes([image], "PNG"))
    assert page.mode == "L" and page.getpixel((3, 0)) == 255 and page.getpixel((0, 0)) == 0


def test_a_damaged_jpeg_raises_image_decode_error():
    data = image_bytes([Image.effect_noise((200, 200), 60).convert("RGB")], "JPEG", quality=90)
    with pytest.raises(ImageDecodeError):
        load_image_pages(data[: len(data) // 2])


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\0" * 50])
def test_garbage_raises_image_decode_error(data):
    with pytest.raises(ImageDecodeError) as caught:
        load_image_pages(data)
    assert isinstance(caught.value, BadInputError) and str(caught.value)


# --- text ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoded, encoding", [
    ("Pneumologie — café\r\nline 2".encode(), "utf-8"),
    (b"\xef\xbb\xbf" + "Pneumologie — café\nline 2".encode(), "utf-8-sig"),
    ("Pneumologie — café\nline 2".encode("utf-16"), "utf-16"),
    ("Pneumologie — café\nline 2".encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
    ("Pneumologie — café\rline 2".encode("cp1252"), "cp1252"),
])
def test_text_encodings(encoded, encoding):
    text, found = decode_text(encoded)
    assert (text, found) == ("Pneumologie — café\nline 2", encoding)


def test_binary_is_not_text():
    with pytest.raises(TextDecodeError):
        decode_text(b"\x00\x01\x02binary")


def test_a_utf16_file_cut_in_the_middle_of_a_character_is_damaged():
    with pytest.raises(TextDecodeError):
        decode_text("abc".encode("utf-16")[:-1])


# --- sources ---------------------------------------------------------------------------------

class FakeViewer:
    def __init__(self):
        self.shown, self.error = None, None

    def show_document(self, data, title):
        self.shown = (data, title)
        return True

    def show_error(self, reason):
        self.error = reason


class StoredFileError(BadInputError):
    """Stands in for app.store.vault.StoredFileError (viewers may not import the store)."""


def test_a_document_altered_at_rest_says_so_in_the_viewer():
    def load():
        raise StoredFileError("A stored file cannot be read: it was altered or damaged at rest (bad tag)")
    viewer = FakeViewer()
    assert documents.open_document(viewer, documents.DocumentSource("Letter", "application/pdf", load)) is False
    assert viewer.error == "This document could not be decrypted: it was altered at rest"
    assert viewer.shown is None


def test_a_loaded_document_is_shown():
    viewer = FakeViewer()
    assert documents.open_document(viewer, documents.DocumentSource("Note", "text/plain", lambda: b"hi"))
    assert viewer.shown == (b"hi", "Note")


@pytest.mark.parametrize("error", [OSError(5, "Input/output error"), RuntimeError("boom")])
def test_other_load_failures_become_a_message(error):
    assert documents.load_failure(error)
