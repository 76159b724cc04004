"""Screenshots of our arrows and text notes on the DEMO CT in the case view, on a real screen
(for /work/shared/tools/xshot): an arrow at the nodule and a note beside it, drawn through the
viewer's tools as a reader would, kept with the case.

    python -m app demo --no-window --out DIR          # the DEMO case in DIR/home
    xshot marks.png --size 1600x900 --wait 20 -- python -m tests.ui.overlays_shots DIR/home 1600x900
"""

from __future__ import annotations

import sys


def main(home: str, size: str) -> int:
    from tests.ui.shot_window import demo_window

    width, height = (int(n) for n in size.split("x"))
    app, window, case_id = demo_window(home, "en", (width, height))
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from app.demo.imaging import ct_landmarks
    from app.ui.app_main import wait_until

    window.show()
    window.open_case(case_id)
    view = window.case_view
    wait_until(lambda: view.data is not None and view.data.series, 30)
    ct = max((uid for uid, model in view.data.series.items() if model.instances[0].info.modality == "CT"),
             key=lambda uid: len(view.data.series[uid]))  # the DEMO thorax, not the 1-image sample
    view.open_series(ct)
    viewer = view.dicom
    vp = viewer.active
    wait_until(lambda: vp.frame is not None, 30)
    columns = vp.image_size()[0]
    index, row, column = ct_landmarks(vp.count, columns)["nodule"]
    vp.set_index(index)
    wait_until(lambda: vp.displayed_index == index and vp.frame is not None, 30)
    scale = columns / 512  # the landmarks' offsets below are for a 512-pixel image

    def send(kind, x: float, y: float, buttons) -> None:
        pos = vp.to_widget(x, y)
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        QApplication.sendEvent(vp, QMouseEvent(kind, QPointF(pos), vp.mapToGlobal(QPointF(pos)), button, buttons,
                                               Qt.KeyboardModifier.NoModifier))

    def drag(a, b) -> None:
        held = Qt.MouseButton.LeftButton
        send(QEvent.Type.MouseButtonPress, *a, held)
        for step in range(1, 6):
            t = step / 5
            send(QEvent.Type.MouseMove, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, held)
        send(QEvent.Type.MouseButtonRelease, *b, Qt.MouseButton.NoButton)

    x, y = column + 0.5, row + 0.5
    viewer.set_tool("arrow")
    drag((x - 9 * scale, y - 9 * scale), (x - 70 * scale, y - 80 * scale))
    viewer.set_text_prompt(lambda initial: "Nodule 9 mm, right lower lobe: new since the prior")
    viewer.set_tool("text")
    drag((x - 150 * scale, y - 105 * scale), (x - 150 * scale, y - 105 * scale))
    viewer.set_tool("distance")
    drag((x - 6.4 * scale, y), (x + 6.4 * scale, y))  # across the nodule: a measurement beside the marks
    viewer.set_tool("window")
    vp.measure.selected_id = None
    vp.update()
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
