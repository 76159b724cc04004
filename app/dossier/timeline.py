"""The patient's history on a time axis, Qt-free: what the case view's Timeline tab shows.

`build_timeline(view)` turns the case view (`app.dossier.case_view.case_json`) into items in
lanes (letters, imaging reports, operations, imaging studies, other documents), each item
naming what opening it opens (`("document", n)`: the record's n-th document, `("series",
uid)`: a study's first series), the items without a date kept apart (`undated`, never
dropped) and the referral question shown above the axis. Where the items go on the screen is
`app.dossier.timeline_layout`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
import functools

from app.core.i18n import N_, _, ngettext
from app.core.locale_format import format_date, parse_date

#: The lanes, top to bottom, with their labels (translated where they are shown).
LANES: dict[str, str] = {
    # TRANSLATORS: a lane of the case's timeline: referral and history letters, correspondence
    "letters": N_("Letters"),
    # TRANSLATORS: a lane of the case's timeline
    "imaging_reports": N_("Imaging reports"),
    # TRANSLATORS: a lane of the case's timeline: operation and procedure reports
    "operations": N_("Operations"),
    # TRANSLATORS: a lane of the case's timeline: the DICOM studies of the case
    "imaging": N_("Imaging studies"),
    # TRANSLATORS: a lane of the case's timeline: laboratory results and other documents
    "other": N_("Other documents"),
}

#: A document's kind (app/dossier/case_documents.py document_kinds) → its lane; others: "other".
KIND_LANES = {"referral_letter": "letters", "history_letter": "letters", "correspondence": "letters",
              "second_opinion": "letters", "imaging_report": "imaging_reports",
              "operation_report": "operations"}


def lane_label(lane: str) -> str:
    return _(LANES[lane]) if lane in LANES else lane


@dataclass(frozen=True)
class TimelineItem:
    """One document or study. `target`: what opening it opens (`("document", n)`,
    `("series", uid)`), None for a study without series."""

    key: str  # unique in the timeline: "document:N" or "study:UID"
    lane: str
    when: date | None
    title: str
    detail: str  # the document's kind, or the study's modalities
    author: str = ""
    target: tuple[str, object] | None = None
    mismatch: bool = False  # the identity check says it is another patient's
    unread: bool = False  # a document not opened yet in this case

    @property
    def day(self) -> float | None:
        """Where it sits on the axis: the middle of its day, in days (date.toordinal)."""
        return None if self.when is None else self.when.toordinal() + 0.5

    @property
    def label(self) -> str:
        """What its mark says beside it."""
        if self.lane == "imaging" and self.detail and self.detail not in self.title:
            return f"{self.detail} {self.title}"
        return self.title

    def tooltip(self) -> str:
        """Title, date, author (or modalities), and a mismatch warning, one per line."""
        lines = [self.title, format_date(self.when) if self.when else _("No date")]
        lines.append(self.detail + (f" — {self.author}" if self.author else ""))
        if self.mismatch:
            lines.append(_("Another patient's, by the identity check."))
        if self.unread:
            lines.append(_("Not read yet."))
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Timeline:
    items: tuple[TimelineItem, ...]  # the dated ones, oldest first
    undated: tuple[TimelineItem, ...]  # in the case's order
    question: str | None
    lanes: tuple[str, ...]  # the lanes that have items (dated or not), in LANES order

    @property
    def all_items(self) -> tuple[TimelineItem, ...]:
        return self.items + self.undated

    def item(self, key: str) -> TimelineItem | None:
        return next((i for i in self.all_items if i.key == key), None)

    def lane_items(self, lane: str) -> list[TimelineItem]:
        return self._by_lane.get(lane, [])

    def lane_days(self, lane: str) -> list[float]:
        """The days of `lane_items(lane)`, in the same order."""
        return self._lane_days.get(lane, [])

    @functools.cached_property
    def _by_lane(self) -> dict[str, list[TimelineItem]]:
        lanes: dict[str, list[TimelineItem]] = {}
        for item in self.items:
            lanes.setdefault(item.lane, []).append(item)
        return lanes

    @functools.cached_property
    def _lane_days(self) -> dict[str, list[float]]:
        return {lane: [i.day or 0.0 for i in items] for lane, items in self._by_lane.items()}


def _identity_mismatch(entry: dict) -> bool:
    identity = entry.get("identity")
    status = identity.get("status") if isinstance(identity, dict) else identity
    return status == "mismatch"


def document_item(n: int, doc: dict, unread: bool = False) -> TimelineItem:
    from app.dossier.case_documents import kind_label  # with the case, not with the module

    kind = doc.get("kind") or "other"
    return TimelineItem(key=f"document:{n}", lane=KIND_LANES.get(kind, "other"), when=parse_date(doc.get("date")),
                        title=doc.get("title") or doc.get("path") or _("Document"), detail=kind_label(kind),
                        author=doc.get("author") or "", target=("document", n), mismatch=_identity_mismatch(doc),
                        unread=unread)


def study_item(study: dict) -> TimelineItem:
    series = study.get("series") or []
    modalities = list(dict.fromkeys(s.get("modality") for s in series if s.get("modality")))
    return TimelineItem(key=f"study:{study.get('study_uid')}", lane="imaging", when=parse_date(study.get("date")),
                        title=study.get("description") or _("(no description)"), detail=", ".join(modalities),
                        target=("series", series[0]["series_uid"]) if series else None,
                        mismatch=_identity_mismatch(study))


def build_timeline(view: dict, unread: Collection[int] = ()) -> Timeline:
    """The timeline of a case view (`case_json`): every document and study, once; `unread`:
    the indexes of the documents not opened yet."""
    unread = set(unread)
    items = [document_item(n, doc, n in unread) for n, doc in enumerate(view.get("documents") or [])]
    items += [study_item(s) for s in view.get("studies") or []]
    dated = sorted((i for i in items if i.when is not None), key=lambda i: (i.when, i.key))
    undated = tuple(i for i in items if i.when is None)
    used = {i.lane for i in items}
    question = view.get("question") or (view.get("referral") or {}).get("question")
    return Timeline(tuple(dated), undated, question or None, tuple(lane for lane in LANES if lane in used))


def cluster_label(lane: str, n: int) -> str:
    """What a cluster of `n` items of `lane` says: '12 documents', '3 studies'."""
    if lane == "imaging":
        return ngettext("{n} study", "{n} studies", n).format(n=n)
    return ngettext("{n} document", "{n} documents", n).format(n=n)
