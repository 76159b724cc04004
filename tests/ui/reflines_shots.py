"""Screenshots of reference lines and of prior comparison, on a real screen (for
/work/shared/tools/xshot):

    xshot scout.png --wait 20 -- python -m tests.ui.reflines_shots scout
    xshot 2x2.png --wait 20 -- python -m tests.ui.reflines_shots 2x2

`scout`: the synthetic CT's coronal scout beside the CT (1x2), the CT scrolled to the nodule:
its slice a highlighted line on the scout, its first and last slices dim dashed lines.
`2x2`: the scout, the CT and a sagittal and a coronal series of the same frame of reference.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(mode: str) -> int:
    from app.demo.imaging import ct_landmarks
    from app.ui.app_main import application, wait_until
    from app.ui.viewer_window import load_series
    from tests.scout_data import write_ct_with_scout
    from viewers.dicom.cache import MiB, FrameCache
    from viewers.dicom.pixels import CT_PRESETS
    from viewers.dicom.widget import DicomViewerWidget

    app = application("en")
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
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main(*(sys.argv[1:] or ["scout"])))
