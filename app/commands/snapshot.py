"""`secondo snapshot`: render one frame of a DICOM file to a PNG through the viewer's pixel
pipeline (the same decode, modality LUT, window and MONOCHROME1 handling); with `--plane`, a
reformat of a series (snapshot_plane.py)."""

import argparse
import math
import os
import re
import sys
from pathlib import Path

from app.core.errors import BadInputError
from app.core.files import atomic_output
from app.core.i18n import _, ngettext

# "-600,1500" is a value, not an option: argparse only lets plain negative numbers through.
_NEGATIVE_VALUE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[\d.]+,-?[\d.]+$")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    snap = sub.add_parser(
        "snapshot", help=_("render one image of a DICOM file to a PNG"),
        description=_("Render one image of a DICOM file to a PNG, as the viewer shows it (MONOCHROME1 "
                      "inverted, colour converted to RGB), one image pixel per PNG pixel."))
    snap.add_argument("paths", nargs="+", metavar="PATH",
                      help=_("a DICOM file; with --plane also a folder, a DICOMDIR or several files"))
    snap.add_argument("-o", "--output", required=True, metavar="OUT.png", help=_("the PNG to write"))
    snap.add_argument("--frame", type=int, default=1, metavar="N",
                      help=_("which image of a multi-frame file, counted from 1 as in 'image 1 of 30' "
                             "(default 1)"))
    snap.add_argument("--window", metavar="CENTER,WIDTH",
                      help=_("window centre and width in modality units (HU for CT), e.g. --window -600,1500 "
                             "for lung; default: the file's own first window, else its VOI LUT, else the "
                             "range of its values"))
    snap.add_argument("--plane", choices=("axial", "coronal", "sagittal"),
                      help=_("a reformat of the series at PATH on this plane, at the volume's centre unless --at "
                             "says where"))
    snap.add_argument("--at", type=float, metavar="MM",
                      help=_("with --plane: where the plane lies, in patient mm: x for sagittal, y for coronal, "
                             "z for axial"))
    snap.add_argument("--slab", type=float, default=0.0, metavar="MM",
                      help=_("with --plane: a thick slab of this many mm, reduced by --mode"))
    snap.add_argument("--mode", choices=("mip", "minip", "avg"), default="avg",
                      help=_("with --slab: maximum, minimum or average intensity (default avg)"))
    snap.add_argument("--series", metavar="UID",
                      help=_("with --plane: the series to reformat when PATH holds several"))
    snap._negative_number_matcher = _NEGATIVE_VALUE
    snap.set_defaults(handler=run_snapshot)


def parse_window(text: str):
    """A Window from 'CENTER,WIDTH'; BadInputError when it is not two numbers, width >= 1."""
    from viewers.dicom.pixels import Window

    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        center, width = (float(p) for p in parts)
    except ValueError:
        raise BadInputError(_("--window takes CENTER,WIDTH, two numbers such as -600,1500; not '{text}'.").format(
            text=text)) from None
    if not (math.isfinite(center) and math.isfinite(width)) or width < 1:
        raise BadInputError(_("--window: the width must be at least 1 and both numbers finite; not '{text}'.").format(
            text=text))
    return Window(center, width)


def run_snapshot(args) -> int:
    # One frame gains nothing from BLAS threads, and OpenBLAS's spin after each call cost ~0.1 s
    # CPU; it reads this once, when numpy loads (next line), so a caller's own setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from PIL import Image

    from viewers.dicom.pixels import FrameDecodeError, decode_frame, default_window, frame_count, \
        read_image_file, render

    window = parse_window(args.window) if args.window else None
    if getattr(args, "plane", None):
        from app.commands.snapshot_plane import run_plane_snapshot

        return run_plane_snapshot(args, window)
    for option, given in (("--at", getattr(args, "at", None) is not None), ("--slab", bool(getattr(args, "slab", 0))),
                          ("--series", bool(getattr(args, "series", None)))):
        if given:
            raise BadInputError(_("{option} needs --plane.").format(option=option))
    paths = getattr(args, "paths", None) or [args.file]
    if len(paths) != 1:
        count = len(paths)
        raise BadInputError(ngettext("Without --plane, snapshot renders one file; {count} was given.",
                                     "Without --plane, snapshot renders one file; {count} were given.",
                                     count).format(count=count))
    args.file = paths[0]
    ds = read_image_file(Path(args.file))
    count = frame_count(ds)
    if count == 0:
        raise FrameDecodeError(_("{path} holds no image (it has no Pixel Data).").format(path=args.file))
    if not 1 <= args.frame <= count:
        raise BadInputError(_("--frame {n}: this file holds images 1 to {count}.").format(n=args.frame, count=count))
    frame = decode_frame(ds, args.frame - 1)
    window = window or default_window(frame)
    pixels = render(frame, window)
    image = Image.fromarray(pixels, "RGB" if pixels.ndim == 3 else "L")
    with atomic_output(Path(args.output)) as out:
        image.save(out, format="PNG", compress_level=1)  # zlib level 1: a fourth of the CPU of the default 6, ~15 % larger
    shown = _("colour") if frame.color and not args.window else _("W {width:g} C {center:g}{units}{name}").format(
        width=window.width, center=window.center, units=f" {frame.units}" if frame.units else "",
        name=f" ({window.name})" if window.name else "")
    print(_("{out}: image {n} of {count}, {columns}x{rows}, {shown}").format(
        out=args.output, n=args.frame, count=count, columns=pixels.shape[1], rows=pixels.shape[0], shown=shown))
    for note in frame.notes:
        print(_("note: {note}").format(note=note), file=sys.stderr)
    return 0
