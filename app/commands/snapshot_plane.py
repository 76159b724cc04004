"""`secondo snapshot PATH --plane axial|coronal|sagittal`: a reformat of the series at PATH
(a folder, a DICOMDIR or files) through the viewer's volume model and pixel pipeline, written
as a PNG with square pixels, patient right on the image left, head up."""

from __future__ import annotations

import sys
from pathlib import Path

from app.core.errors import BadInputError
from app.core.files import atomic_output
from app.core.i18n import _, ngettext

AXIS_LETTER = {"sagittal": "x", "coronal": "y", "axial": "z"}


def _series(paths: list[str], wanted: str | None):
    """(refs, loader) of the one image series at `paths`, or of series `wanted`."""
    from viewers.dicom.sources import series_from_files, source_files

    files: list[Path] = []
    for path in paths:
        files.extend(source_files(Path(path)))
    found = series_from_files(files)
    if wanted:
        found = [item for item in found if item[0].series_uid == wanted]
        if not found:
            raise BadInputError(_("No image series {uid} was found there.").format(uid=wanted))
    if not found:
        raise BadInputError(_("No DICOM image series was found there."))
    if len(found) > 1:
        listed = "; ".join(f"{summary.series_uid} ({summary.modality or '-'}, {len(refs)})"
                           for summary, refs, _load in found)
        raise BadInputError(ngettext("This holds {count} image series; choose one with --series UID: {series}",
                                     "This holds {count} image series; choose one with --series UID: {series}",
                                     len(found)).format(count=len(found), series=listed))
    _summary, refs, load = found[0]
    return refs, load


def run_plane_snapshot(args, window) -> int:
    from PIL import Image

    from viewers.dicom.pixels import default_window, render
    from viewers.dicom.reformat_series import ReformatSeries
    from viewers.dicom.series import SeriesModel
    from viewers.dicom.volume import load_volume, reformat, standard_plane
    from viewers.dicom.volume_planes import AXIS_OF

    if args.slab < 0:
        raise BadInputError(_("--slab takes a thickness in mm of 0 or more."))
    refs, load = _series(args.paths, args.series)
    with SeriesModel(refs, load, cache_mb=64) as series:
        volume = load_volume(series)
        axis = AXIS_OF[args.plane]
        low, high = volume.bounds()
        if args.at is not None and not low[axis] - 0.5 <= args.at <= high[axis] + 0.5:
            raise BadInputError(_("--at {at} mm lies outside the volume, which spans {low} to {high} mm along "
                                  "{axis}.").format(at=f"{args.at:g}", low=f"{low[axis]:.1f}", high=f"{high[axis]:.1f}",
                                                    axis=AXIS_LETTER[args.plane]))
        plane = standard_plane(volume, args.plane, args.at)
        reformats = ReformatSeries(volume, plane, args.plane, source=series, slab_mm=args.slab, mode=args.mode)
        frame = reformats._make_frame(reformat(volume, plane, args.slab, args.mode))
    window = window or default_window(frame)
    pixels = render(frame, window)
    with atomic_output(Path(args.output)) as out:
        Image.fromarray(pixels, "L").save(out, format="PNG", compress_level=1)
    at = float(plane.origin[axis])
    slab = (_(", {mm} mm {mode} slab").format(mm=f"{args.slab:g}", mode=args.mode.upper())
            if args.slab > 0 else "")
    print(_("{out}: {plane} at {axis} = {at} mm{slab}, {columns}x{rows}, {size} mm pixels, "
            "W {width:g} C {center:g}{units}").format(
        out=args.output, plane=_plane_name(args.plane), axis=AXIS_LETTER[args.plane], at=f"{at:.1f}", slab=slab,
        columns=pixels.shape[1], rows=pixels.shape[0], size=f"{plane.spacing[0]:.2f}", width=window.width,
        center=window.center, units=f" {frame.units}" if frame.units else ""))
    for note in frame.notes:
        print(_("note: {note}").format(note=note), file=sys.stderr)
    return 0


def _plane_name(plane: str) -> str:
    from viewers.dicom.reformat_series import plane_title

    return plane_title(plane)
