"""Cine speed from the file: the interval between frames a DICOM header asks for."""

from __future__ import annotations

MIN_FPS, MAX_FPS = 1, 60


def _positive(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def file_frame_interval(ds) -> float | None:
    """Milliseconds between frames as the file says: Recommended Display Frame Rate
    (0008,2144), else Frame Time (0018,1063), else the mean of Frame Time Vector (0018,1065)
    after its first entry (which is 0), else Cine Rate (0018,0040); None when it says none.
    Kept within 1 to 60 frames per second."""
    if ds is None:
        return None
    interval = None
    rate = _positive(ds.get("RecommendedDisplayFrameRate"))
    if rate is not None:
        interval = 1000.0 / rate
    if interval is None:
        interval = _positive(ds.get("FrameTime"))
    if interval is None:
        vector = ds.get("FrameTimeVector")
        if vector is not None:
            values = [v for v in (_positive(x) for x in (list(vector) if not isinstance(vector, (str, bytes))
                                                         else [vector])[1:]) if v is not None]
            interval = sum(values) / len(values) if values else None
    if interval is None:
        rate = _positive(ds.get("CineRate"))
        interval = 1000.0 / rate if rate is not None else None
    if interval is None:
        return None
    return min(1000.0 / MIN_FPS, max(1000.0 / MAX_FPS, interval))


def fps_for(interval: float) -> int:
    """The frames per second the fps box shows for `interval` ms."""
    return int(min(MAX_FPS, max(MIN_FPS, round(1000.0 / interval))))
