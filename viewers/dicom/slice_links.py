"""Slice links between series of different frames of reference, Qt-free: the reader shows the
same anatomy in a current and a prior study once ("Link these slices"), and from then on
scrolling one scrolls the other with that offset (as RadiAnt's and Weasis's manual sync).

A link between series A and B is kept as `offset` (mm) and `sign`: a slice of A at location
`a` (mm along A's stacking direction) is matched by B's slice nearest to
`sign * a + offset` (along B's), `sign` being -1 when the two stack in opposite directions.
The links of a case are kept with its annotations (app/store/annotations.py).
"""

from __future__ import annotations

FORMAT = "secondo-slice-links/1"


def _sign(normal_a, normal_b) -> int:
    if normal_a is None or normal_b is None:
        return 1
    return -1 if sum(x * y for x, y in zip(normal_a, normal_b)) < 0 else 1


class SliceLinks:
    """The offsets between pairs of series (by Series Instance UID), in both directions."""

    def __init__(self) -> None:
        self._links: dict[tuple[str, str], tuple[float, int]] = {}

    def __len__(self) -> int:
        return len(self._links)

    def link(self, uid_a: str, location_a: float, normal_a, uid_b: str, location_b: float, normal_b) -> float:
        """Link slice `location_a` of series A with `location_b` of B; returns the offset (mm)."""
        sign = _sign(normal_a, normal_b)
        offset = float(location_b) - sign * float(location_a)
        self._links.pop((uid_b, uid_a), None)
        self._links[(uid_a, uid_b)] = (offset, sign)
        return offset

    def unlink(self, uid_a: str, uid_b: str) -> bool:
        return (self._links.pop((uid_a, uid_b), None) or self._links.pop((uid_b, uid_a), None)) is not None

    def offset(self, uid_a: str, uid_b: str) -> float | None:
        """B's location minus A's (sign applied), or None when A and B are not linked."""
        found = self.linked_location(uid_a, uid_b, 0.0)
        return found

    def linked_location(self, uid_a: str, uid_b: str, location_a: float) -> float | None:
        """Where in B (mm along B's stacking direction) slice `location_a` of A is matched; None
        when the two are not linked."""
        if (uid_a, uid_b) in self._links:
            offset, sign = self._links[(uid_a, uid_b)]
            return sign * float(location_a) + offset
        if (uid_b, uid_a) in self._links:  # b = sign * a + offset  =>  a = sign * (b - offset)
            offset, sign = self._links[(uid_b, uid_a)]
            return sign * (float(location_a) - offset)
        return None

    def to_json(self) -> dict:
        return {"format": FORMAT, "links": [{"a": a, "b": b, "offset_mm": offset, "sign": sign}
                                            for (a, b), (offset, sign) in self._links.items()]}

    @classmethod
    def from_json(cls, data) -> SliceLinks:
        """The links of `data` (to_json()); entries that do not parse are left out."""
        links = cls()
        for item in (data or {}).get("links") or [] if isinstance(data, dict) else []:
            try:
                a, b = str(item["a"]), str(item["b"])
                offset, sign = float(item["offset_mm"]), -1 if int(item.get("sign", 1)) < 0 else 1
            except (KeyError, TypeError, ValueError):
                continue
            if a and b and a != b:
                links._links[(a, b)] = (offset, sign)
        return links
