"""Screenshot of the DEMO's scanned cardiology letter in the window (for /work/shared/tools/xshot):
its text recognised by the window's text job, opened from a search hit (a word highlighted)
and a line of the letter selected, as a user's drag would.

    python -m app demo --no-window --out DIR          # the DEMO case in DIR/home
    xshot scan.png --size 1600x900 --wait 40 -- python -m tests.ui.textlayer_shots DIR/home 1600x900 amlodipine [nl]
    xshot pdf.png --size 1000x900 --wait 40 -- python -m tests.ui.textlayer_shots pdf 1000x900 atorvastatin
        # the scanned letter saved as an image-only PDF, recognised, in the PDF viewer alone
    python -m tests.ui.textlayer_shots DIR/home 1600x900 --keys   # only the case opened; every
        2 s the focus, the shown viewer's page, hits, selection and the clipboard on stderr, for a
        keyboard-only walk driven from outside (xdotool)
"""

from __future__ import annotations

import sys


def main(home: str, size: str, query: str = "amlodipine", language: str = "en") -> int:
    if home == "pdf":
        return scanned_pdf(size, query)
    from app.ui.app_main import wait_until
    from tests.ui.shot_window import demo_window
    from viewers import text_selection as ts

    width, height = (int(n) for n in size.split("x"))
    app, window, case_id = demo_window(home, language, (width, height))
    window.show()
    window.open_case(case_id)
    view = window.case_view
    wait_until(lambda: view.data is not None, 30)
    if query == "--keys":
        return report_keys(app, window)
    n, doc = next((n, d) for n, d in enumerate(view.data.documents)
                  if str(d.get("path", "")).endswith("cardiology-letter-scan.tif"))
    doc_id = str(doc.get("id"))
    wait_until(lambda: doc_id in view.data.texts, 120)  # the text job recognises the scan
    text = view.data.texts[doc_id]
    page = next(p for p in text.pages if query.lower() in p.text.lower())
    view.texts.open_hit(doc_id, page.number, query)
    wait_until(lambda: getattr(view.tab_for(f"document:{doc_id}"), "text_layer", None) is not None
               and view.tab_for(f"document:{doc_id}").text_layer.highlights, 30)
    viewer = view.tab_for(f"document:{doc_id}")
    words = ts.reading_order(page)
    first = next(i for i, w in enumerate(words) if "resection" in w.text.lower())
    last = next(i for i, w in enumerate(words) if i > first and "nodule" in w.text.lower())
    viewer.text_layer.selection = ts.Selection(page.number, first, last)
    viewer.text_layer.update()
    print(repr(viewer.text_layer.selected_text()), file=sys.stderr)
    try:
        return app.exec()
    finally:
        window.shutdown()


def scanned_pdf(size: str, query: str) -> int:
    """The DEMO's scanned letter as an image-only PDF (each page a 200 dpi image), recognised
    by Tesseract, in the PDF viewer with `query` highlighted and zoomed in."""
    import io
    import tempfile
    from pathlib import Path

    from PIL import Image
    from PySide6.QtWidgets import QApplication

    from app.demo.letters import write_scanned_letter
    from app.dossier.document_text import extract_document_text
    from viewers.pdf.widget import PdfViewerWidget

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scan.tif"
        write_scanned_letter(path)
        scan = Image.open(path)
        pages = []
        for n in range(getattr(scan, "n_frames", 1)):
            scan.seek(n)
            pages.append(scan.convert("L").copy())
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=200.0)
    data = buffer.getvalue()
    text = extract_document_text(data, "application/pdf")
    print([(p.number, p.source, len(p.words)) for p in text.pages], file=sys.stderr)
    app = QApplication.instance() or QApplication(sys.argv)
    viewer = PdfViewerWidget()
    width, height = (int(n) for n in size.split("x"))
    viewer.setGeometry(0, 0, width, height)
    viewer.show()
    viewer.show_document(data, "Scanned letter (PDF)")
    viewer.set_document_text(text)
    viewer.set_zoom(1.3)
    hit = next(p.number for p in text.pages if query.lower() in p.text.lower())
    viewer.show_hit(hit, query)
    return app.exec()


def report_keys(app, window) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    def report() -> None:
        viewer = window.case_view.current_tabs.currentWidget() if window.case_view.current_tabs else None
        layer = getattr(viewer, "text_layer", None)
        focus = QGuiApplication.focusObject()
        print(f"focus={type(focus).__name__}:{focus.objectName() if focus else ''} viewer={type(viewer).__name__} "
              f"page={getattr(viewer, 'page', None)} hits={layer.hit_rects() if layer else None} "
              f"selected={layer.selected_text()[:60]!r} clipboard={QGuiApplication.clipboard().text()[:60]!r}"
              if layer else f"focus={type(focus).__name__} viewer={type(viewer).__name__}", file=sys.stderr, flush=True)

    window.activateWindow()
    timer = QTimer(app)
    timer.timeout.connect(report)
    timer.start(2000)
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
