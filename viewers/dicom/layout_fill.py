"""Which series the viewports of a new layout show: each its own, the next ones of the
case in reading order after the series already on screen."""

from __future__ import annotations


def next_series(shown: list[int | None], total: int, wanted: int) -> list[int]:
    """Up to `wanted` indices into a list of `total` series, for viewports that are new in a
    layout: the series after the last one of `shown` (the indices the kept viewports show,
    in viewport order; None for an empty one), in order and wrapping round, never one that
    is shown already. Fewer when the list has no more."""
    on_screen = {i for i in shown if i is not None}
    last = max((i for i in shown if i is not None), default=-1)
    found: list[int] = []
    for step in range(1, total + 1):
        if len(found) >= wanted:
            break
        candidate = (last + step) % total
        if candidate not in on_screen and candidate not in found:
            found.append(candidate)
    return found
