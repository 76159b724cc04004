"""Screenshots of the MPR view, on a real screen (for /work/shared/tools/xshot):

    python -m app demo --no-window --out DIR --ct-slices 120     # the DEMO case in DIR/home
    xshot demo.png --wait 40 --size 1600x1000 -- python -m tests.ui.mpr_shots demo DIR/home
    xshot slab.png --wait 40 --size 1600x1000 -- python -m tests.ui.mpr_shots slab DIR/home
    xshot tilted.png --wait 25 --size 1600x1000 -- python -m tests.ui.mpr_shots tilted FOLDER

`demo`: the DEMO case's CT in MPR in the case view, the crosshair on the nodule of the right
lower lobe, lung window; `slab`: the same with a 20 mm MIP on the coronal; `oblique`: the
coronal and sagittal turned 30° around the axial; `tilted`: a 20° gantry-tilted phantom
(tests/unit/phantoms.py) written to FOLDER, in MPR in the standalone viewer window.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys

import numpy as np

LUNG = 4  # the lung preset's number key


def _enter_mpr(viewer, wait_until) -> None:
    viewer.active.setFocus()
    viewer.mpr.enter()
    wait_until(lambda: viewer.mpr.state is not None and not viewer.mpr.loading, 120)
    wait_until(lambda: all(vp.frame is not None and vp.displayed_index == vp.index
                           for vp in viewer.mpr.viewports.values()), 30)


def _on_nodule(viewer) -> None:
    from app.demo.imaging import NODULE_MM, ct_landmarks

    source = viewer.mpr.source
    info = source.slice_info(0)
    index = ct_landmarks(len(source), info.columns)["nodule"][0]
    z = source.slice_info(index).position[2]
    viewer.mpr.set_point(np.array([NODULE_MM[0], NODULE_MM[1], z]))
    for vp in [*viewer.mpr.viewports.values(), viewer.viewports[3]]:
        vp.apply_preset(LUNG)


def demo(home: str, mode: str) -> int:
    os.environ.setdefault("SECONDO_LANGUAGE", "en")
    from app.ui.app_main import wait_until
    from tests.ui.shot_window import demo_window

    app, window, case_id = demo_window(home, os.environ["SECONDO_LANGUAGE"])
    window.resize(1600, 1000)
    window.show()
    shown: list = []
    window.caseShown.connect(shown.append)
    window.open_case(case_id)
    wait_until(lambda: bool(shown), 60)
    view = window.case_view
    data = view.data
    ct = [uid for uid, model in data.series.items() if model.instances and model.instances[0].info.modality == "CT"]
    view.open_series(max(ct, key=lambda u: len(data.series[u])))
    wait_until(lambda: view.dicom is not None and view.dicom.active.frame is not None, 30)
    viewer = view.dicom
    _enter_mpr(viewer, wait_until)
    _on_nodule(viewer)
    if mode == "slab":
        coronal = viewer.mpr.viewports["coronal"]
        viewer.set_active_viewport(coronal)
        viewer.mpr.set_slab(20.0, "mip")
    elif mode == "oblique":
        viewer.mpr.rotate("axial", 30.0)
    try:
        return app.exec()
    finally:
        window.shutdown()


def tilted(folder: str) -> int:
    os.environ.setdefault("SECONDO_LANGUAGE", "en")
    from app.ui.app_main import application, wait_until
    from app.ui.viewer_window import ViewerWindow
    from tests.unit import phantoms

    path = Path(folder)
    if not path.exists():
        phantoms.tilted(path, rows=160, columns=160, slices=60, pixel_mm=0.5, table_mm=1.5)
    app = application(os.environ["SECONDO_LANGUAGE"])
    window = ViewerWindow(path)
    window.resize(1600, 1000)
    window.show()
    loaded: list = []
    window.loaded.connect(loaded.append)
    wait_until(lambda: bool(loaded) and window.viewer.active.frame is not None, 60)
    viewer = window.viewer
    _enter_mpr(viewer, wait_until)
    sphere = phantoms.SPHERES[1][0]
    viewer.mpr.set_point(np.array(sphere))
    return app.exec()


if __name__ == "__main__":
    if sys.argv[1] == "tilted":
        sys.exit(tilted(sys.argv[2]))
    sys.exit(demo(sys.argv[2], sys.argv[1]))
