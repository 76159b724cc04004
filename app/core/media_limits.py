"""Resource limits for untrusted DICOM files, CDs and ISO images, in one place.

Every figure a hostile file could inflate (a size, a count, a depth) is checked against
one of these before memory is allocated for it; docs/viewer.md ("Limits") states them.
"""

from typing import Final

KiB: Final = 1 << 10
MiB: Final = 1 << 20
GiB: Final = 1 << 30

#: One decoded frame: Rows x Columns x Samples per Pixel x bytes per sample. Checked before
#: a decoder allocates; a 16-bit 16384 x 16384 slide fits, a 65535 x 65535 lie does not.
MAX_FRAME_BYTES: Final = 512 * MiB
#: Number of Frames. Ultrasound loops and tomosynthesis stay in the thousands.
MAX_FRAMES: Final = 100_000
#: A Deflated Explicit VR Little Endian data set, once inflated (viewer and snapshot; the
#: import's header reading stops at the end of group 0028, so it rarely inflates much).
MAX_INFLATED_BYTES: Final = 256 * MiB
#: One value kept while indexing a header (a name, a UID, a position); longer ones are
#: elements the index does not read and are skipped without being held in memory.
MAX_HEADER_VALUE: Final = 64 * KiB
#: Elements walked (nested ones included) before the indexed part of a header ends.
MAX_HEADER_ELEMENTS: Final = 200_000
#: Nesting of sequences in a header.
MAX_HEADER_DEPTH: Final = 16
#: A DICOM stream without the 'DICM' preamble is read as it is, up to this much.
MAX_BARE_HEADER_BYTES: Final = 8 * MiB
#: Values larger than this stay on disk when the viewer reads a file, until used.
VIEWER_DEFER_SIZE: Final = 1 * MiB
#: A DICOMDIR: those of full DVDs run to a few MiB.
MAX_DICOMDIR_BYTES: Final = 64 * MiB
#: Records of a DICOMDIR (a DVD of CT holds about 10,000 images); a larger one is not read
#: and every file of the medium is scanned instead.
MAX_DICOMDIR_RECORDS: Final = 60_000
#: Files listed on one CD, USB stick or folder, and records in one DICOMDIR.
MAX_DISC_FILES: Final = 200_000
#: Folder depth walked on a medium.
MAX_DISC_DEPTH: Final = 64

# Scanned documents (app/dossier/scan_pages.py, app/dossier/pdf_document.py).
#: Pixels of one scanned page decoded from a TIFF or PNG (an A4 page at 600 dpi is 35
#: million); a larger page is refused with a message. A JPEG is decoded reduced (1/2 to 1/8,
#: libjpeg's draft mode) to about MAX_OCR_PIXELS first, so only a JPEG more than eight times
#: that large either way is refused.
MAX_SCAN_PIXELS: Final = 50_000_000
#: Pixels of the image given to Tesseract (an A3 page at 300 dpi is 17.4 million); a larger
#: page is downscaled to this.
MAX_OCR_PIXELS: Final = 20_000_000
#: Pages recognised per document; the pages beyond say so (a PDF's text layers are all read).
MAX_OCR_PAGES: Final = 300

# Image documents (JPEG, PNG, TIFF) in the image viewer: pages are decoded one at a time.
#: Pages of one image file shown; beyond, the page counter says how many are not shown.
MAX_IMAGE_PAGES: Final = 500
#: One page decoded, width x height, checked before its pixels are allocated (an A4 page at
#: 1200 dpi is 140 MP; Pillow itself refuses more than twice its 89 MP bomb limit).
MAX_IMAGE_PIXELS: Final = 150_000_000
#: What a page is shown at: a larger page is reduced by a whole factor after decoding (a JPEG
#: while decoding) so that the viewer holds ~25 MP at most (an A4 page at 600 dpi is 35 MP).
MAX_SHOWN_IMAGE_PIXELS: Final = 25_000_000
