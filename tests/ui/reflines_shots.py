"""Screenshots of reference lines and of prior comparison, on a real screen (for
/work/shared/tools/xshot):

    xshot scout.png --wait 20 -- python -m tests.ui.reflines_shots scout
    xshot 2x2.png --wait 20 -- python -m tests.ui.reflines_shots 2x2

`scout`: the synthetic CT's coronal scout beside the CT (1x2), the CT scrolled to the nodule:
its slice a highlighted line on the scout, its first and last slices dim dashed lines.
`mpr`: the CT in the MPR view (key M): the original axial series in the fourth cell shows
the three reformats' planes as reference lines.
`prior`: a case of a current and a prior CT (another frame of reference, the table 30 mm
higher) in the window: the navigator's comparable studies, Compare with prior, one slice pair
linked, then the current scrolled to the nodule and the prior following with the offset.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def prior(app) -> None:
    import keyring

    from app.dossier.importer import DossierImporter
    from app.store.store import CaseStore
    from app.ui.app_main import wait_until
    from app.ui.main_window import MainWindow
    from app.demo.imaging import ct_landmarks
    from tests.memory_keyring import MemoryKeyring
    from tests.prior_data import write_current_and_prior

    keyring.set_keyring(MemoryKeyring())
    folder = Path(tempfile.mkdtemp(prefix="priors-"))
    slices, size = 120, 256
    write_current_and_prior(folder / "cd", slices, size)
    store = CaseStore.open(folder / "home")
    case_id = DossierImporter(store, [], []).run([folder / "cd"]).case_id
    window = MainWindow(store)
    window.resize(1580, 960)
    window.move(10, 10)
    window.show()
    window.open_case(case_id)
    wait_until(lambda: window.case_view.data is not None, 60)
    newest = max(window.case_view.data.view["studies"], key=lambda s: s["date"])
    window.case_view.compare_with_prior(newest["study_uid"])
    viewer = window.case_view.dicom
    current, previous = viewer.viewports[0], viewer.viewports[1]
    # The reader finds the same anatomy in both (the apex, first slice of each: 30 mm apart in z).
    previous.set_index(0)
    current.set_index(0)
    wait_until(lambda: previous.displayed_index == 0 and current.displayed_index == 0, 20)
    viewer.set_active_viewport(current)
    viewer.link_slices()
    viewer.set_view_link(True)
    current.apply_preset(4)  # lung, copied to the prior by Link W/L
    current.set_index(ct_landmarks(slices, size)["nodule"][0])
    wait_until(lambda: current.displayed_index == current.index and previous.displayed_index == previous.index, 20)
    current.flash("")


def main(mode: str) -> int:
    from app.demo.imaging import ct_landmarks
    from app.ui.app_main import application, wait_until
    from app.ui.viewer_window import load_series
    from tests.scout_data import write_ct_with_scout
    from viewers.dicom.cache import MiB, FrameCache
    from viewers.dicom.pixels import CT_PRESETS
    from viewers.dicom.widget import DicomViewerWidget

    app = application("en")
    if mode == "prior":
        prior(app)
        app.exec()
        return 0
    folder = Path(tempfile.mkdtemp(prefix="reflines-"))
    slices, size = 160, 256
    ct_dir, scout_dir, _geometry = write_ct_with_scout(folder, slices, size)
    cache = FrameCache(256 * MiB)
    scout, ct = load_series(scout_dir, cache, [])[0], load_series(ct_dir, cache, [])[0]
    viewer = DicomViewerWidget()
    viewer.setWindowTitle("Reference lines")
    viewer.resize(1560, 900)
    viewer.move(20, 20)
    viewer.show()
    viewer.set_series_list([scout, ct])
    viewer.set_layout("1x2")
    ct_vp = viewer.viewports[1]
    viewer.set_active_viewport(ct_vp)
    ct_vp.set_index(ct_landmarks(slices, size)["nodule"][0])
    ct_vp.apply_preset(1 + list(CT_PRESETS).index("lung"))
    wait_until(lambda: ct_vp.displayed_index == ct_vp.index, 20)
    if mode == "mpr":
        viewer.set_layout("1x1")
        viewer.show_series(ct, viewport=0)
        viewer.mpr.enter(ct)
        wait_until(lambda: viewer.mpr.state is not None and not viewer.mpr.loading, 60)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main(*(sys.argv[1:] or ["scout"])))
