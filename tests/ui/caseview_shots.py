"""Screenshots of the images in the case view on the DEMO case, on a real screen (for
/work/shared/tools/xshot): the window at a given size, the CT open, in a layout, with the
tag browser shown or not.

    python -m app demo --no-window --out DIR          # the DEMO case in DIR/home
    xshot wide.png --size 1600x900 --wait 15 -- python -m tests.ui.caseview_shots DIR/home 1600x900 2x2 tags
    xshot small.png --size 1024x700 --wait 15 -- python -m tests.ui.caseview_shots DIR/home 1024x700 2x2
    (extra words: `tags` shows the tag browser, `keys` keeps two key images, listed in the navigator)
"""

from __future__ import annotations

import sys


def main(home: str, size: str, layout: str = "1x1", *extra: str) -> int:
    from app.ui.app_main import wait_until
    from tests.ui.shot_window import demo_window

    width, height = (int(n) for n in size.split("x"))
    app, window, case_id = demo_window(home, "en", (width, height))
    window.show()
    window.open_case(case_id)
    view = window.case_view
    wait_until(lambda: view.data is not None and view.data.series, 30)
    ct = next(uid for uid, model in view.data.series.items() if model.instances[0].info.modality == "CT")
    view.open_series(ct)
    wait_until(lambda: view.dicom is not None and view.dicom.active.frame is not None, 30)
    view.dicom.set_layout(layout)
    for vp in view.dicom.visible_viewports():
        if vp.count > 2:
            vp.set_index(vp.count // 2)
    if "keys" in extra:  # two key images in the navigator's last group, the first selected
        wait_until(lambda: all(vp.displayed_index == vp.index for vp in view.dicom.visible_viewports()), 30)
        first = view.dicom.add_key_image(caption="Axial CT, soft tissue (DEMO)")
        view.dicom.set_active_viewport(view.dicom.visible_viewports()[-1])
        view.dicom.add_key_image(caption="Second look (DEMO)")
        item = view.key_image_editing.group.items[first.id]
        view.navigator.setCurrentItem(item)
        view.navigator.scrollToItem(item)
    if "tags" in extra:
        view.images.show_tags(True)
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
