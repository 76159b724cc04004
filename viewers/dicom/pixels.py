"""The DICOM pixel pipeline, Qt-free: decode one frame (decode.py), then window and render
it (voi.py). Import from here; the two modules behind it are an implementation split."""

from viewers.dicom.decode import Frame, FrameDecodeError, decode_frame, frame_count
from viewers.dicom.reading import read_image_file
from viewers.dicom.voi import (CT_PRESETS, VOI_LUT_NAME, Window, apply_window, default_window,
                               placeholder, render, voi_lut_window, window_from_range)

__all__ = [
    "CT_PRESETS", "VOI_LUT_NAME", "Frame", "FrameDecodeError", "Window", "apply_window",
    "decode_frame", "default_window", "frame_count", "placeholder", "read_image_file", "render",
    "voi_lut_window", "window_from_range",
]
