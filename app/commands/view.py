"""`secondo view PATH`: the standalone DICOM viewer on a file, a folder or a DICOMDIR.

Qt is imported only when the verb runs, so the rest of the command line starts without it.
"""

import argparse
from pathlib import Path

from app.core.errors import BadInputError
from app.core.i18n import _

LAYOUTS = ("1x1", "1x2", "2x2")
#: The CT presets by name, in number-key order (viewers.dicom.pixels.CT_PRESETS; a test
#: checks the two agree). Spelled out so that `secondo --help` needs no numpy.
PRESETS = ("brain", "subdural", "stroke", "lung", "mediastinum", "abdomen", "liver", "bone")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    view = sub.add_parser("view", help=_("open the DICOM viewer on a file, a folder or a DICOMDIR"))
    view.add_argument("path", metavar="PATH", help=_("a DICOM file, a folder (searched by content) or a DICOMDIR"))
    view.add_argument("--layout", choices=LAYOUTS, default="1x1", help=_("viewports to start with"))
    view.add_argument("--preset", choices=PRESETS, help=_("CT window to start with"))
    view.add_argument("--slice", type=int, metavar="N", help=_("image number to start at (1 = first), in the first viewport "
                                                              "whose series has that many"))
    view.set_defaults(handler=run_view)


def run_view(args) -> int:
    path = Path(args.path)
    if not path.exists():
        raise BadInputError(_("{path} does not exist.").format(path=path))
    if args.slice is not None and args.slice < 1:
        args.parser.error(_("--slice counts from 1"))
    from app.ui.viewer_window import run_viewer

    return run_viewer(path, layout=args.layout, preset=args.preset, slice_number=args.slice)
