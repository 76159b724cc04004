"""The case's timeline, Qt-free: items in lanes, the undated ones kept, the question on top,
clusters until zoomed in, labels that never overlap, ticks by zoom in the locale
(app/dossier/timeline.py, app/dossier/timeline_layout.py)."""

from __future__ import annotations

from datetime import date, timedelta
import random

from hypothesis import given, settings, strategies as st
import pytest

from app.core.i18n import in_language
from app.dossier.timeline import build_timeline
from app.dossier.timeline_layout import (MAX_SPAN, MIN_SPAN, TimeWindow, fit, lay_out, tick_unit, ticks,
                                         undated_chips)


class Mono:
    """Every character 7 pixels wide; elision cuts and ends with '…'."""

    def width(self, text: str) -> float:
        return 7.0 * len(text)

    def elide(self, text: str, width: float) -> str:
        keep = int(width // 7) - 1
        return text[:keep] + "…" if keep > 0 else ""


M = Mono()


def doc(kind: str, day: str | None, title: str = "A letter", author: str = "Dr. Test Author") -> dict:
    return {"id": title, "kind": kind, "title": title, "date": day, "author": author, "path": f"{title}.pdf"}


def study(uid: str, day: str | None, modality: str = "CT", description: str = "CT THORAX") -> dict:
    return {"study_uid": uid, "date": day, "description": description,
            "series": [{"series_uid": f"{uid}.1", "modality": modality}, {"series_uid": f"{uid}.2", "modality": "SR"}]}


def demo_view() -> dict:
    return {"question": "Is surgery indicated now?",
            "documents": [doc("referral_letter", "2026-11-04", "Referral"), doc("history_letter", "2026-10-30", "History"),
                          doc("correspondence", "2026-10-15", "Pulmonology"), doc("imaging_report", "2026-09-14", "CT report"),
                          doc("operation_report", "2019-03-12", "Cholecystectomy"), doc("lab_result", "2026-10-01", "Blood"),
                          doc("correspondence", None, "Undated note")],
            "studies": [study("1.2.3", "20260914"), study("1.2.4", "20040826", "MR", "MR brain"),
                        {"study_uid": "1.2.9", "date": "", "description": "Old films", "series": []}]}


def view_of(days: list[date], kinds=("correspondence", "imaging_report", "operation_report", "lab_result")) -> dict:
    rng = random.Random(len(days))
    return {"question": "Q?", "documents": [doc(rng.choice(kinds), d.isoformat(), f"Document number {n} of the case")
                                            for n, d in enumerate(days)], "studies": []}


def check_no_overlap(layout: dict, width: float) -> None:
    """In each lane: markers apart, labels apart from each other and, on the markers' line,
    from the markers; each label as wide as it says."""
    for lane, marks in layout.items():
        line = sorted([(m.x0, m.x1, "marker") for m in marks]
                      + [(m.label_x0, m.label_x1, "label") for m in marks if m.label and m.label_row == 0])
        below = sorted((m.label_x0, m.label_x1, "label below") for m in marks if m.label and m.label_row == 1)
        for spans in (line, below):
            for (a0, a1, ka), (b0, b1, kb) in zip(spans, spans[1:]):
                assert a1 <= b0, (lane, ka, (a0, a1), kb, (b0, b1))
        for m in marks:
            if m.label:
                assert M.width(m.label) == pytest.approx(m.label_x1 - m.label_x0)


# -- the model -----------------------------------------------------------------------------------

def test_documents_go_to_lanes_by_kind_and_studies_to_imaging():
    tl = build_timeline(demo_view())
    lanes = {i.title: i.lane for i in tl.all_items}
    assert lanes == {"Referral": "letters", "History": "letters", "Pulmonology": "letters", "CT report": "imaging_reports",
                     "Cholecystectomy": "operations", "Blood": "other", "Undated note": "letters",
                     "CT THORAX": "imaging", "MR brain": "imaging", "Old films": "imaging"}
    assert tl.lanes == ("letters", "imaging_reports", "operations", "imaging", "other")
    assert [i.when for i in tl.items] == sorted(i.when for i in tl.items)
    ct = tl.item("study:1.2.3")
    assert ct.target == ("series", "1.2.3.1") and ct.detail == "CT, SR" and ct.when == date(2026, 9, 14)
    assert tl.item("document:4").target == ("document", 4)
    assert "Dr. Test Author" in tl.item("document:0").tooltip()


def test_items_without_a_date_are_kept_undated():
    tl = build_timeline(demo_view())
    assert [i.title for i in tl.undated] == ["Undated note", "Old films"]
    assert tl.item("study:1.2.9").target is None  # no series: nothing to open
    assert len(tl.all_items) == 10
    chips = undated_chips(tl.undated, 800, M)
    assert [c.text for c in chips] == ["Undated note", "Old films"]


def test_the_question_is_on_top_from_the_view_or_the_referral():
    assert build_timeline(demo_view()).question == "Is surgery indicated now?"
    assert build_timeline({"referral": {"question": "Why?"}, "documents": []}).question == "Why?"
    assert build_timeline({"documents": []}).question is None


def test_unread_documents_are_marked():
    tl = build_timeline(demo_view(), unread={0, 6})
    assert [i.key for i in tl.all_items if i.unread] == ["document:0", "document:6"]
    assert "Not read yet." in tl.item("document:0").tooltip()
    assert not build_timeline(demo_view()).item("document:0").unread


def test_a_mismatched_document_is_marked():
    view = demo_view()
    view["documents"][1]["identity"] = {"status": "mismatch", "message": "another patient"}
    tl = build_timeline(view)
    assert tl.item("document:1").mismatch and not tl.item("document:0").mismatch
    assert "Another patient" in tl.item("document:1").tooltip()


def test_dense_items_cluster_until_zoomed_in():
    days = [date(2000, 1, 1) + timedelta(days=365 * n) for n in range(25)]
    days += [date(2020, 5, 1) + timedelta(days=n) for n in range(12)]  # 12 in 12 days
    view = view_of(days, kinds=("correspondence",))
    tl = build_timeline(view)
    width = 1000
    window = fit([i.day for i in tl.items], width)
    marks = lay_out(tl, window, width, M)["letters"]
    dense = [m for m in marks if m.cluster and date(2020, 5, 1) in {i.when for i in m.items}]
    assert len(dense) == 1 and len(dense[0].items) >= 12
    assert dense[0].label in ("", f"{len(dense[0].items)} documents") or dense[0].label.endswith("…")
    # zoomed to those days, every one is its own mark
    near = TimeWindow(date(2020, 4, 30).toordinal(), date(2020, 5, 14).toordinal())
    marks = lay_out(tl, near, width, M)["letters"]
    assert sum(1 for m in marks if not m.cluster and date(2020, 5, 1) <= m.items[0].when <= date(2020, 5, 12)) == 12
    assert sum(len(m.items) for m in marks) == len(days)  # every item once, seen or not


def test_a_second_line_gives_crowded_labels_room():
    days = [date(2020, 5, 1) + timedelta(days=4 * n) for n in range(6)]
    tl = build_timeline(view_of(days, kinds=("correspondence",)))
    window = TimeWindow(date(2020, 4, 25).toordinal(), date(2020, 6, 1).toordinal())
    one = lay_out(tl, window, 400, M, rows=1)["letters"]
    two = lay_out(tl, window, 400, M, rows=2)["letters"]
    assert len(one) == len(two) == 6
    assert {m.label_row for m in two} == {0, 1}
    assert sum(len(m.label) for m in two) > sum(len(m.label) for m in one)
    check_no_overlap({"letters": two}, 400)


def test_cluster_label_says_how_many():
    days = [date(2010, 1, 1)] * 12
    tl = build_timeline(view_of(days, kinds=("correspondence",)))
    (mark,) = lay_out(tl, TimeWindow(date(1990, 1, 1).toordinal(), date(2030, 1, 1).toordinal()), 1000, M)["letters"]
    assert mark.cluster and mark.count_text == "12" and mark.label == "12 documents"
    with in_language("nl"):
        (mark,) = lay_out(tl, TimeWindow(date(1990, 1, 1).toordinal(), date(2030, 1, 1).toordinal()), 1000, M)["letters"]
        assert mark.label == "12 documenten"


@pytest.mark.parametrize("rows", [1, 2])
@pytest.mark.parametrize("count,years", [(5, 14 / 365), (500, 30)])
def test_labels_never_overlap_at_any_zoom(count, years, rows):
    rng = random.Random(count)
    first = date(1996, 3, 1)
    days = sorted(first + timedelta(days=rng.uniform(0, years * 365)) for _ in range(count))
    tl = build_timeline(view_of(days))
    width = 1200
    full = fit([i.day for i in tl.items], width)
    for item in tl.items:  # fit shows them all inside the width
        assert 0 < full.x(item.day, width) < width
    for anchor in (0, 300, 900):
        window = full
        for _step in range(40):
            layout = lay_out(tl, window, width, M, rows)
            check_no_overlap(layout, width)
            assert sum(len(m.items) for marks in layout.values() for m in marks) == count
            window = window.zoomed(1.6, anchor, width)
    # deep enough, the 5 items of two weeks are each on their own, labelled
    if count == 5:
        layout = lay_out(tl, full, width, M)
        assert all(not m.cluster and m.label for marks in layout.values() for m in marks)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30 * 365), min_size=1, max_size=120),
       st.floats(min_value=MIN_SPAN, max_value=40 * 365), st.floats(min_value=-400, max_value=11000),
       st.integers(min_value=80, max_value=2000), st.sampled_from([1, 2]))
def test_layout_property(offsets, span, start, width, rows):
    days = [date(1995, 1, 1) + timedelta(days=o) for o in sorted(offsets)]
    tl = build_timeline(view_of(days))
    origin = date(1995, 1, 1).toordinal()
    layout = lay_out(tl, TimeWindow(origin + start, origin + start + span), width, M, rows)
    check_no_overlap(layout, width)
    assert sorted(i.key for marks in layout.values() for m in marks for i in m.items) == sorted(i.key for i in tl.items)


# -- zoom, pan, fit ------------------------------------------------------------------------------

def test_zoom_keeps_the_day_under_the_cursor():
    window = TimeWindow(700000.0, 710000.0)
    day = window.day_at(250, 1000)
    zoomed = window.zoomed(2.0, 250, 1000)
    assert zoomed.span == pytest.approx(5000)
    assert zoomed.day_at(250, 1000) == pytest.approx(day)
    assert window.zoomed(1e9, 10, 1000).span == MIN_SPAN
    assert window.zoomed(1e-9, 10, 1000).span == MAX_SPAN
    panned = window.panned(100, 1000)
    assert panned.start == pytest.approx(699000) and panned.span == pytest.approx(10000)


def test_fit_shows_every_item_and_handles_one_or_none():
    days = [700000.5, 700010.5, 709000.5]
    window = fit(days, 1000)
    assert all(24 - 1e-6 <= window.x(d, 1000) <= 1000 - 180 + 1e-6 for d in days)
    one = fit([700000.5], 1000)
    assert one.start < 700000.5 < one.end and one.span >= MIN_SPAN
    assert fit([], 1000).span > 300


# -- the axis ------------------------------------------------------------------------------------

def test_ticks_are_years_months_or_days_by_zoom():
    start = date(1996, 1, 1).toordinal()
    assert tick_unit(TimeWindow(start, start + 30 * 365), 1000, M)[0] == "year"
    assert tick_unit(TimeWindow(start, start + 365), 1000, M)[0] == "month"
    assert tick_unit(TimeWindow(start, start + 14), 1000, M)[0] == "day"
    for span in (14, 365, 30 * 365):
        marks = ticks(TimeWindow(start, start + span), 1000, M)
        assert 2 <= len(marks) <= 40
        assert all(b.x - a.x >= M.width(a.label) + 24 - 1e-6 for a, b in zip(marks, marks[1:]))


def test_tick_labels_are_in_the_interface_language():
    window = TimeWindow(date(2026, 1, 1).toordinal(), date(2026, 12, 31).toordinal())
    with in_language("nl"):
        assert "nov 2026" in [t.label for t in ticks(window, 2000, M)]
    with in_language("fr"):
        assert "nov. 2026" in [t.label for t in ticks(window, 2000, M)]
    days = TimeWindow(date(2026, 11, 1).toordinal(), date(2026, 11, 8).toordinal())
    with in_language("fr"):
        assert "04/11/2026" in [t.label for t in ticks(days, 2000, M)]


def test_undated_strip_ends_with_a_chip_holding_the_rest():
    view = {"documents": [doc("other", None, f"Undated document {n}") for n in range(40)], "studies": []}
    tl = build_timeline(view)
    chips = undated_chips(tl.undated, 600, M, max_rows=2)
    assert {c.row for c in chips} == {0, 1}
    assert chips[-1].text == f"+ {len(chips[-1].items)} more"
    assert [i.key for c in chips for i in c.items] == [i.key for i in tl.undated]
    assert all(c.x1 <= 600 for c in chips)
