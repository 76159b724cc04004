"""Priors in the case navigator: the comparable studies grouped, newest first (under
"Comparable studies"), and "Compare with prior" on a study or a series (its context menu, or
activating a study of a group). The grouping is Qt-free: app/dossier/priors.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem

from app.core.i18n import _, ngettext
from app.core.locale_format import format_date
from app.dossier.priors import comparable_groups, prior_pair

STUDY_ROLE = Qt.ItemDataRole.UserRole + 3  # a study's UID (imaging tree and comparable studies)
COMPARE_ROLE = Qt.ItemDataRole.UserRole + 4  # a study of a comparable group: activating compares it


def add_comparable_studies(tree: QTreeWidget, view: dict) -> QTreeWidgetItem | None:
    """The "Comparable studies" node: each group (e.g. "CT CHEST") with its studies, newest
    first, the newest marked current; None when no two studies compare."""
    studies = view.get("studies") or []
    groups = comparable_groups(studies)
    if not groups:
        return None
    root = QTreeWidgetItem(tree, [_("Comparable studies")])
    root.setToolTip(0, _("Studies of the same modality and body part, or of one frame of reference, newest "
                         "first. Activate a study to compare it with its prior."))
    for group in groups:
        node = QTreeWidgetItem(root, [ngettext("{label}: {n} study", "{label}: {n} studies", len(group.studies))
                                      .format(label=group.label or _("Images"), n=len(group.studies))])
        for position, study in enumerate(group.studies):
            text = f"{format_date(study.get('date'))}  {study.get('description') or _('(no description)')}"
            if position == 0:
                text = _("{study} (current)").format(study=text)
            child = QTreeWidgetItem(node, [text])
            child.setData(0, STUDY_ROLE, study["study_uid"])
            child.setData(0, COMPARE_ROLE, study["study_uid"])
            if position + 1 < len(group.studies):
                child.setToolTip(0, _("Compare with the prior of {date}").format(
                    date=format_date(group.studies[position + 1].get("date"))))
        node.setExpanded(True)
    root.setExpanded(True)
    return root


def item_uid(item: QTreeWidgetItem | None, series_role) -> str | None:
    """The study or series UID an item stands for, or None."""
    if item is None:
        return None
    study = item.data(0, STUDY_ROLE)
    if study:
        return str(study)
    target = item.data(0, series_role)
    if target and target[0] == "series":
        return str(target[1])
    return None


def can_compare(view: dict | None, uid: str | None) -> bool:
    return bool(view and uid and prior_pair(view.get("studies") or [], uid) is not None)


def show_compare_menu(navigator, pos) -> QMenu | None:
    """The context menu of a study or series: "Compare with prior" (disabled when the study has
    no comparable study)."""
    item = navigator.itemAt(pos)
    uid = item_uid(item, navigator.series_role)
    if uid is None:
        return None
    menu = QMenu(navigator)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    action = menu.addAction(_("Compare with prior"), lambda: navigator.compareRequested.emit(uid))
    if not can_compare(navigator.view, uid):
        action.setEnabled(False)
        action.setToolTip(_("No earlier or later study of this patient to compare with"))
    menu.popup(navigator.viewport().mapToGlobal(pos))
    navigator.compare_menu = menu  # the menu on screen (tests reach it here)
    return menu
