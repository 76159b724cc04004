"""Loose documents added to a case (a letter scanned or received as a PDF, a photo, a text)
and a document's kind: each file checked to be a document by its first bytes
(app/dossier/content_type.py), streamed encrypted into a staging folder, then published
with the new record in one transaction (app/dossier/case_update.py); a cancel or an error
leaves the case as it was and no file behind."""

from __future__ import annotations

from collections import Counter
import hashlib
from pathlib import Path
import uuid

from app.core.errors import BadInputError
from app.core.i18n import _, ngettext, pgettext
from app.core.tasks import CancelToken, Progress, no_progress
from app.dossier.case_update import commit, read_for_update
from app.dossier.content_type import HEAD_SIZE, media_type, sniff
from app.dossier.manifest import DOCUMENT_KINDS
from app.dossier.sheet_fields import date_field, text_field
from app.store.store import CaseStore

#: What can be added as a document (kinds of app/dossier/content_type.py `sniff`).
DOCUMENT_CONTENT = ("pdf", "jpeg", "png", "tiff", "text")
CHUNK = 1 << 20
MAX_TITLE = 200


def document_kinds() -> dict[str, str]:
    """The kinds a document can have (app/dossier/manifest.py), with their labels, in order."""
    return {"referral_letter": _("Referral letter"), "history_letter": _("History letter"),
            "correspondence": _("Correspondence"), "imaging_report": _("Imaging report"),
            "operation_report": _("Operation report"), "lab_result": _("Laboratory result"),
            "second_opinion": _("Second opinion"), "other": pgettext("document kind", "Other")}


def kind_label(kind: str) -> str:
    """A document kind's label in the current language ('referral_letter' → 'Verwijsbrief');
    an unknown kind as it is. The kind itself (stored, in --json) never changes."""
    return document_kinds().get(kind, kind)


def _kind(kind: object) -> str:
    if kind not in DOCUMENT_KINDS:
        raise BadInputError(_("{kind} is not a document kind; the kinds are: {kinds}.").format(
            kind=str(kind)[:40], kinds=", ".join(DOCUMENT_KINDS)))
    return str(kind)


def _checked(item: dict) -> tuple[Path, dict]:
    """(the file, the document entry without blob/size/hash) for one item; BadInputError
    naming the file and what is wrong."""
    if not isinstance(item, dict) or not item.get("path"):
        raise BadInputError(_("Each document to add needs its file."))
    path = Path(item["path"]).expanduser()
    try:
        with open(path, "rb") as stream:
            head = stream.read(HEAD_SIZE)
    except IsADirectoryError:
        raise BadInputError(_("{name} is a folder; add the files in it, or import it as a CD.").format(
            name=path.name)) from None
    except OSError:
        raise BadInputError(_("{name} cannot be read; check that it exists and that you may read it.").format(
            name=path.name)) from None
    content = sniff(head, path.name)
    if content not in DOCUMENT_CONTENT:
        reason = (_("it is DICOM imaging: import it as a CD or folder") if content == "dicom"
                  else _("it is a dossier package: import it") if content in ("sodp", "p7m")
                  else _("it is empty") if not head
                  else _("it is not a PDF, an image (TIFF, JPEG, PNG) or a text"))
        raise BadInputError(_("{name} was not added: {reason}.").format(name=path.name, reason=reason))
    title = text_field(item.get("title"), _("The document's title"), MAX_TITLE) or path.stem
    entry = {"id": uuid.uuid4().hex, "path": path.name, "origin": "case-sheet", "kind": _kind(item.get("kind") or "other"),
             "media_type": media_type(content), "title": title,
             "date": date_field(item.get("date"), _("The document's date")),
             "author": text_field(item.get("author"), _("The document's author"))}
    return path, {k: v for k, v in entry.items() if v is not None}


def add_documents(store: CaseStore, case_id: str, items: list[dict], progress: Progress | None = None,
                  cancel: CancelToken | None = None, by: str | None = None) -> list[str]:
    """Add files to the case as documents: `items` = [{"path", "kind", "date", "author",
    "title"}] (kind one of DOCUMENT_KINDS, default "other"; title default the file's name).
    Returns the new documents' ids. progress(bytes done, bytes total); `cancel` stops it and
    nothing is kept. Audited as "add-documents" (count and kinds, never names)."""
    progress = progress or no_progress
    cancel = cancel or CancelToken()
    case_id = store.resolve_case(case_id)
    if not items:
        raise BadInputError(_("Choose at least one file to add."))
    checked = [_checked(item) for item in items]
    total = sum(path.stat().st_size for path, _entry in checked)
    record, base = read_for_update(store, case_id)

    def stage(import_id: str, staging: Path) -> list[dict]:
        done = 0
        entries = []
        for path, entry in checked:
            cancel.check()
            blob, writer = store.vault.create(staging, durable=False)
            digest, size = hashlib.sha256(), 0
            try:
                with open(path, "rb") as source:
                    while chunk := source.read(CHUNK):
                        cancel.check()
                        writer.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        done += len(chunk)
                        progress(done, total)
                writer.close()
            except OSError:
                writer.abort()
                raise BadInputError(_("{name} could not be read to the end; nothing was added.").format(
                    name=path.name)) from None
            except BaseException:
                writer.abort()
                raise
            entries.append(entry | {"blob": f"{import_id}/{blob}", "size": size, "sha256": digest.hexdigest()})
        cancel.check()
        record["documents"] += entries
        return entries

    kinds = Counter(entry["kind"] for _path, entry in checked)
    audit = [("add-documents", {"count": len(checked), "kinds": dict(sorted(kinds.items())),
                                **({"by": by} if by else {})})]
    new = commit(store, record, base, audit, kind="documents", stage=stage)
    return [d["id"] for d in new["documents"][-len(checked):]]


def added_summary(count: int) -> str:
    return ngettext("{n} document was added to the case.", "{n} documents were added to the case.",
                    count).format(n=count)


def reclassify(store: CaseStore, case_id: str, document_id: str, kind: str, by: str | None = None) -> dict:
    """Set a document's kind; returns the new record. Audited as "reclassify" (document id,
    old and new kind). Refused for a document the case does not have."""
    case_id = store.resolve_case(case_id)
    kind = _kind(kind)
    record, base = read_for_update(store, case_id)
    matches = [d for d in record["documents"] if d.get("id") == document_id or
               (len(document_id) >= 4 and str(d.get("id", "")).startswith(document_id))]
    if len(matches) != 1:
        raise BadInputError(_("The case has no document {id}; `secondo show CASE` lists them.").format(
            id=document_id[:40]) if not matches else _("{id} matches several documents; give more of the id.").format(
            id=document_id[:40]))
    document = matches[0]
    if document["kind"] == kind:
        return record
    old, document["kind"] = document["kind"], kind
    audit = [("reclassify", {"document": document["id"], "from": old, "to": kind, **({"by": by} if by else {})})]

    def rows(db) -> None:
        db.execute("UPDATE documents SET kind = ? WHERE id = ? AND case_id = ?", (kind, document["id"], case_id))

    return commit(store, record, base, audit, kind="reclassify", rows=rows)
