"""Recognising a page image with Tesseract 5, through pipes.

The `tesseract` program is run once per page: the image goes in on its standard input as a
PGM (raw grey pixels, nothing to compress), the result comes back on its standard output
as TSV (one row per word: its box, its confidence, its text). Nothing is written to disk,
so no recognised text or image of a patient lies in clear in a temporary folder (which is
why the program is not driven through pytesseract, which writes both). A separate process
also keeps Tesseract's crashes and memory out of the window, and lets a cancel or a time
limit end it at once (`kill`).

Where the program is: in the bundle (`<bundle>/tesseract/`: the program, its libraries in
`lib/`, the Dutch, French and English data in `tessdata/`), else the system's (Debian:
tesseract-ocr, tesseract-ocr-nld, -fra, -eng). `OMP_THREAD_LIMIT=1`: one thread per page
is faster on a busy machine than OpenMP's threads fighting for its cores, and leaves the
window's threads theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import os
from pathlib import Path
import shutil
import subprocess
import sys
import threading
import time
from typing import IO, TYPE_CHECKING

from app.core.i18n import _, ngettext
from app.core.page_text import OCR, PageText, Word
from app.core.tasks import CancelToken, Cancelled

if TYPE_CHECKING:
    from PIL import Image

LANGUAGES = ("nld", "fra", "eng")
#: The resolution pages are recognised at (scan_pages and the PDF renderer resample to it).
OCR_DPI = 300
#: One page's recognition is stopped after this long (a pathological page, a hung program).
PAGE_TIME_LIMIT = 120.0
_POLL = 0.1
#: How much lower than the window Tesseract runs (Unix nice value).
NICE = 10


@dataclass(frozen=True)
class Tesseract:
    program: str
    env: dict[str, str]


def _bundle_dir() -> Path | None:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and (Path(bundle) / "tesseract").is_dir():
        return Path(bundle) / "tesseract"
    return None


def _find() -> Tesseract | None:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    env.pop("LD_PRELOAD", None)
    bundle = _bundle_dir()
    if bundle is not None:
        program = bundle / "tesseract"
        env["TESSDATA_PREFIX"] = str(bundle / "tessdata")
        # The bundle's own libraries first, then what the system's path was before the bundle
        # set its own (PyInstaller keeps it as LD_LIBRARY_PATH_ORIG).
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(bundle / "lib"), env.get("LD_LIBRARY_PATH_ORIG")]))
        return Tesseract(str(program), env) if program.is_file() else None
    found = shutil.which("tesseract")
    return Tesseract(found, env) if found else None


@functools.lru_cache(maxsize=1)
def _check() -> tuple[Tesseract | None, str | None]:
    tesseract = _find()
    if tesseract is None:
        return None, _("Text recognition is not available: the Tesseract program is not installed.")
    try:
        done = subprocess.run([tesseract.program, "--list-langs"], capture_output=True, text=True, timeout=30,
                              env=tesseract.env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None, _("Text recognition is not available: the Tesseract program does not start.")
    have = {line.strip() for line in (done.stdout + done.stderr).splitlines()}
    missing = [language for language in LANGUAGES if language not in have]
    if done.returncode != 0 or missing:
        return None, _("Text recognition is not available: Tesseract lacks its Dutch, French or English data.")
    return tesseract, None


def beyond_page_limit(limit: int) -> str:
    """The problem of a page past the number of pages recognised per document."""
    return ngettext("Only the first page of a document is recognised.",
                    "Only the first {count} pages of a document are recognised.", limit).format(count=limit)


def ocr_unavailable() -> str | None:
    """None when Tesseract and its Dutch, French and English data are there, else why not."""
    return _check()[1]


def _pgm(image: Image.Image) -> bytes:
    grey = image if image.mode == "L" else image.convert("L")
    return b"P5\n%d %d\n255\n" % grey.size + grey.tobytes()


def recognise_page(image: Image.Image, number: int, token: CancelToken | None = None,
                   time_limit: float = PAGE_TIME_LIMIT) -> PageText:
    """Page `number`'s text as Tesseract reads it from `image` (taken as `OCR_DPI` dpi).
    Raises `Cancelled` (the process killed) when the token is cancelled; a missing program,
    a failure or the time limit give the page a `problem`."""
    tesseract, reason = _check()
    if tesseract is None:
        return PageText(number, "", OCR, problem=reason)
    width, height = image.size
    if width < 3 or height < 3:
        return PageText(number, "", OCR)
    data = _pgm(image)
    command = [tesseract.program, "stdin", "stdout", "-l", "+".join(LANGUAGES), "--psm", "3",
               "--dpi", str(OCR_DPI), "-c", "tessedit_create_tsv=1"]
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   env=tesseract.env)
    except OSError:
        return PageText(number, "", OCR, problem=_("Text recognition is not available: the Tesseract program does not start."))
    lower_priority(process.pid)
    # The image is written and the result read by two threads, so that this one can watch
    # the token and the clock (communicate() cannot be retried while input remains).
    chunks: list[bytes] = []
    writer = threading.Thread(target=_feed, args=(process.stdin, data), daemon=True)
    reader = threading.Thread(target=_drain, args=(process.stdout, chunks), daemon=True)
    writer.start()
    reader.start()
    deadline = time.monotonic() + time_limit
    try:
        while True:
            if token is not None and token.cancelled:
                raise Cancelled()
            if time.monotonic() > deadline:
                return PageText(number, "", OCR, problem=_("Recognising this page took too long; it was stopped."))
            try:
                process.wait(timeout=_POLL)
                break
            except subprocess.TimeoutExpired:
                continue
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
        writer.join()
        reader.join()
    out = b"".join(chunks)
    if process.returncode != 0:
        return PageText(number, "", OCR, problem=_("Text recognition failed on this page."))
    return parse_tsv(out.decode("utf-8", "replace"), number, width, height)


def lower_priority(pid: int) -> None:
    """Tesseract runs below the window's priority (nice `NICE`): the machine's cores go to the
    reviewer's clicks first, so a case opens as fast while scans are read in the background."""
    if not hasattr(os, "setpriority"):
        return  # Windows: left as it is
    try:
        os.setpriority(os.PRIO_PROCESS, pid, max(NICE, os.getpriority(os.PRIO_PROCESS, pid)))
    except OSError:  # it has ended already, or the system refuses: it only runs at the usual priority
        pass


def _feed(stream: IO[bytes] | None, data: bytes) -> None:
    if stream is None:
        return
    try:
        stream.write(data)
    except OSError:  # the program ended (killed, or it refused the image) before reading it all
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _drain(stream: IO[bytes] | None, chunks: list[bytes]) -> None:
    if stream is None:
        return
    with stream:
        chunks.append(stream.read())


def parse_tsv(tsv: str, number: int, width: int, height: int) -> PageText:
    """Tesseract's TSV as a page: words joined by spaces, a line per line, a blank line
    between blocks; each word's box as fractions of the image; the mean word confidence."""
    parts: list[str] = []
    words: list[Word] = []
    confidences: list[float] = []
    length = 0
    line_key: tuple[str, str, str] | None = None
    block: str | None = None
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        text = cells[11].strip()
        if not text:
            continue
        try:
            left, top, w, h = (int(v) for v in cells[6:10])
            confidence = float(cells[10])
        except ValueError:
            continue
        key = (cells[2], cells[3], cells[4])
        if line_key is not None:
            separator = " " if key == line_key else ("\n" if cells[2] == block else "\n\n")
            parts.append(separator)
            length += len(separator)
        line_key, block = key, cells[2]
        words.append(Word(text, length, (max(0.0, left / width), max(0.0, top / height),
                                         min(1.0, (left + w) / width), min(1.0, (top + h) / height))))
        parts.append(text)
        length += len(text)
        if confidence >= 0:
            confidences.append(confidence)
    confidence_mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return PageText(number, "".join(parts), OCR, words, confidence_mean)
