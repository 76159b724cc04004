"""What `secondo cases` and `secondo show` print, and their stable --json documents
(docs/cli.md): built from the index row and the decrypted case record."""

from app.core.errors import SecondoError
from app.core.formatting import format_date, format_patient_name
from app.core.i18n import N_, _, ngettext
from app.dossier.case_details import details
from app.dossier.case_summaries import kept_texts, record_part, record_parts
from app.store.store import CaseStore

# A list of the cases (`case_summaries`, the window's worklist) needs none of the record's
# readers: case_json and render_case import them (pydicom and pyHanko come with them).

#: A case's status (the stored key, also in --json) and its label in English; `status_label`
#: gives the label in the current language.
STATUS_LABELS = {
    # TRANSLATORS: a case's status in the worklist: imported, not yet opened
    "received": N_("Received"),
    # TRANSLATORS: a case's status in the worklist: a reviewer has opened it
    "in_review": N_("In review"),
    # TRANSLATORS: a case's status in the worklist: its opinion is signed
    "signed": N_("Signed"),
    # TRANSLATORS: a case's status in the worklist: its outgoing packages are made
    "packaged": N_("Packaged"),
    # TRANSLATORS: a case's status in the worklist: its packages are sent
    "sent": N_("Sent"),
}


def status_label(status: str) -> str:
    """The label of a case status ('in_review' → 'In review', 'In behandeling'); an unknown
    status as it is."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def summary_from(row, part: dict) -> dict:
    """A case's summary from its index row and its record part (`case_summaries.record_part`)."""
    return {"case_id": row["id"], "patient": part["patient"], "question": part["question"],
            "status": row["status"], "received_at": row["received_at"], "dossier_id": row["dossier_id"],
            "documents": row["documents"], "studies": row["studies"], "instances": row["instances"],
            "identity_mismatches": row["identity_mismatches"], "missing_items": row["missing_items"],
            "signature": row["signature"], "identity": part["identity"],
            "document_mismatches": part.get("document_mismatches", 0), "damaged": None, "archived": False}


def case_summary(store: CaseStore, row, record: dict | None = None, texts: dict | None = None) -> dict:
    """`record`: the decrypted case record, when the caller has read it already; `texts`:
    its documents' kept texts (TextStore.load_all), when the caller has them."""
    record = record if record is not None else store.vault.read_json(row["record"])
    return summary_from(row, record_part(record, texts if texts is not None else kept_texts(store, row["id"])))


def damaged_summary(row, exc: Exception) -> dict:
    """The summary of a case whose record cannot be read: the index row's figures, and
    `damaged` saying why."""
    reason = str(exc) if isinstance(exc, SecondoError) else _("its record is not a case record")
    return {"case_id": row["id"], "patient": {}, "question": None, "status": row["status"],
            "received_at": row["received_at"], "dossier_id": row["dossier_id"],
            "documents": row["documents"], "studies": row["studies"],
            "instances": row["instances"], "identity_mismatches": row["identity_mismatches"],
            "missing_items": row["missing_items"], "signature": row["signature"],
            "identity": "mismatch" if row["identity_mismatches"] else "not_verified", "document_mismatches": 0,
            "damaged": reason,
            "archived": False}


def listed_cases(store: CaseStore, include_archived: bool = False) -> list[tuple[dict, dict | None]]:
    """(summary, record part or None when damaged) of every case (the archived ones only with
    `include_archived`), from the kept summaries: no record is decrypted but those whose
    summary is missing or stale (`case_summaries.record_parts`)."""
    from app.store.case_removal import archived_cases

    archived = archived_cases(store)
    rows = [row for row in store.index.cases() if include_archived or row["id"] not in archived]
    parts = record_parts(store, rows)
    listed = []
    for row in rows:
        part = parts[row["id"]]
        if isinstance(part, Exception):
            summary, kept = damaged_summary(row, part), None
        else:
            summary, kept = summary_from(row, part), part
        summary["archived"] = row["id"] in archived
        listed.append((summary, kept))
    return listed


def case_summaries(store: CaseStore, include_archived: bool = False) -> list[dict]:
    """Every case's summary (the archived ones only with `include_archived`); one whose record
    cannot be read is listed as damaged (`damaged` says why), never hiding the others."""
    return [summary for summary, _part in listed_cases(store, include_archived)]


def case_json(store: CaseStore, case_id: str, record: dict | None = None, texts: dict | None = None) -> dict:
    """The case as `secondo show --json` gives it; `record`: the case record when the caller
    has it already (decrypted once, not twice); `texts`: its documents' kept texts, likewise.
    Each document's "identity" is its study's check (a DICOM document) or its text's
    (`document_identity`; "not_verified" until its text is read)."""
    from app.dossier.case_record import completeness_now, identity_entries, missing_items
    from app.dossier.completeness import disc_problems
    from app.dossier.document_identity import record_document_checks

    row = store.index.case(case_id)
    record = record if record is not None else store.record(case_id)
    texts = texts if texts is not None else kept_texts(store, case_id)
    identity = {i["study_uid"]: i for i in identity_entries(record)}
    not_checked = {"status": "not_verified", "mismatches": [], "message": _("No patient check was made.")}
    in_text = record_document_checks(record, texts)
    view = case_summary(store, row, record, texts)
    problems = disc_problems(missing_items(record), record.get("unreadable"), record.get("studies", []))
    view.update(
        manifest_signature=record["signature"],
        referral=details(record)["referral"],
        sources=record["sources"],
        documents=[{k: d.get(k) for k in ("id", "kind", "title", "date", "author", "media_type", "size", "origin",
                                          "path")}
                   | ({"identity": identity.get(d["study_uid"], not_checked)} if d.get("study_uid") else
                      {"identity": in_text[str(d["id"])]} if str(d.get("id")) in in_text else {})
                   for d in record["documents"]],
        studies=[{"study_uid": s["study_uid"], "date": s.get("date"), "time": s.get("time"),
                  "description": s.get("description"),
                  "identity": identity.get(s["study_uid"], not_checked),
                  "series": [{"series_uid": se["series_uid"], "number": se.get("number"),
                              "modality": se.get("modality"), "description": se.get("description"),
                              "kind": se.get("kind"), "body_part": se.get("body_part"),
                              "frame_of_reference_uid": se.get("frame_of_reference_uid"),
                              "instances": se.get("instance_count", len(se.get("instances", []))),
                              "frames": se.get("frames")} for se in s.get("series", [])]}
                 for s in record.get("studies", [])],
        completeness=completeness_now(record), unreadable=record["unreadable"], missing=record["missing"],
        missing_studies=problems["studies"], missing_series=problems["series"],
        missing_files=problems["files"], refused=record["refused"], skipped=len(record.get("skipped", [])), notes=record["notes"])
    from app.store.opinions import SignedOpinionStore  # the case store's own part: no cycle at import

    view["opinions"] = [o.to_json() for o in SignedOpinionStore(store).list(case_id)]
    return view


IDENTITY_LINES = {
    "ok": lambda: _("Identity: OK, every study matches the case's patient."),
    "not_verified": lambda: _("Identity: not verified; no case patient to compare with, or data missing."),
    "mismatch": lambda: _("Identity: MISMATCH; images of another patient are in this case."),
    "document_mismatch": lambda: _("Identity: MISMATCH; a document about another patient is in this case."),
}


def _name(patient: dict) -> str:
    return format_patient_name(patient.get("family_name") or "?", patient.get("given_names"))


def render_cases(summaries: list[dict]) -> str:
    if not summaries:
        return _("No cases on this workstation yet. Import one with: secondo import SOURCE")
    lines = []
    damaged = _("DAMAGED")
    width = max([10, len(damaged), *(len(status_label(s["status"])) for s in summaries if not s.get("damaged"))])
    for s in summaries:
        if s.get("damaged"):
            lines.append(f"{s['case_id'][:8]}  {damaged:<{width}} {format_date(s['received_at'])}  {s['damaged']}")
            continue
        flags = []
        if s.get("archived"):
            flags.append(_("ARCHIVED"))
        if s.get("identity") == "mismatch":
            flags.append(_("IDENTITY MISMATCH"))
        elif s.get("identity") == "not_verified":
            flags.append(_("identity not verified"))
        if s["missing_items"]:
            flags.append(_("{n} missing").format(n=s["missing_items"]))
        if s["signature"] == "untrusted":
            flags.append(_("sender untrusted"))
        elif s["signature"] == "unsigned":
            flags.append(_("sender unsigned"))
        born = format_date(s["patient"].get("birth_date")) or _("birth date unknown")
        lines.append(f"{s['case_id'][:8]}  {status_label(s['status']):<{width}} {format_date(s['received_at'])}  "
                     f"{_name(s['patient'])} ({born})  {'; '.join(flags)}")
        if s["question"]:
            lines.append(f"          {s['question']}")
    return "\n".join(lines)


def render_case(view: dict) -> str:
    from app.dossier.case_documents import kind_label
    from app.dossier.identity import field_label
    from app.dossier.manifest_signature import state_label

    patient = view["patient"]
    lines = [_("Case {id}  [{status}]").format(id=view["case_id"], status=status_label(view["status"])),
             (_("Patient: {name}, born {born}").format(name=_name(patient), born=format_date(patient["birth_date"]))
              if patient.get("birth_date") else _("Patient: {name}, birth date unknown").format(name=_name(patient))),
             _("Received: {date}; sender signature: {state}").format(
                 date=format_date(view["received_at"]), state=state_label(view["manifest_signature"]["state"]))]
    documents_only = view["identity"] == "mismatch" and not view.get("identity_mismatches") \
        and view.get("document_mismatches")
    lines.append(IDENTITY_LINES["document_mismatch" if documents_only else view["identity"]]())
    if view["question"]:
        lines.append(_("Question: {q}").format(q=view["question"]))
    lines.append("")
    lines.append(_("Completeness:"))
    for item in view["completeness"]:
        mark = "[x]" if item["present"] else "[ ]"
        note = f" — {item['note']}" if item.get("note") else ""
        lines.append(f"  {mark} {item['label']} ({item['count']}){note}")
    lines.append("")
    lines.append(_("Documents ({n}):").format(n=len(view["documents"])))
    width = max([17, *(len(kind_label(doc["kind"])) for doc in view["documents"])])
    for doc in view["documents"]:
        ident = doc.get("identity") or {}
        warning = ("  !! " + _("PATIENT MISMATCH ({fields})").format(
            fields=", ".join(field_label(f) for f in ident.get("mismatches", [])))) if ident.get("status") == "mismatch" else ""
        lines.append(f"  {kind_label(doc['kind']):<{width}} {format_date(doc.get('date')):<10}  {doc.get('title') or doc.get('path')}"
                     + (f" — {doc['author']}" if doc.get("author") else "") + warning)
    lines.append("")
    lines.append(ngettext("Imaging ({n} study):", "Imaging ({n} studies):", len(view["studies"])).format(n=len(view["studies"])))
    for study in view["studies"]:
        ident = study["identity"]
        warning = ""
        if ident["status"] == "mismatch":
            warning = "  !! " + _("PATIENT MISMATCH ({fields})").format(fields=", ".join(field_label(f) for f in ident.get("mismatches", [])))
        elif ident["status"] == "not_verified":
            warning = "  ? " + _("patient not verified")
        described = study.get("description") or _("(no description)")
        lines.append(f"  {format_date(study.get('date'))}  {described}{warning}")
        for series in study["series"]:
            lines.append(f"      {series.get('modality') or '?':<3} #{series.get('number') or '-':<4} "
                         f"{series.get('description') or '':<30} "
                         + _("{instances}, {frames}").format(
                             instances=ngettext("{n} instance", "{n} instances", series["instances"]).format(
                                 n=series["instances"]),
                             frames=ngettext("{f} frame", "{f} frames", series.get("frames") or 0).format(
                                 f=series.get("frames"))))
    for missing in view["missing_studies"]:
        described = missing.get("study_description") or _("(no description)")
        lines.append(f"  {format_date(missing.get('study_date'))}  {described}"
                     "  !! " + _("Named by the DICOMDIR, not on the disc"))
    for label, items in ((_("Unreadable files"), [f"{u['path']}: {u['reason']}" for u in view["unreadable"]]),
                         (_("Missing from the disc"), view["missing"]),
                         (_("Refused (outside the disc)"), view["refused"]), (_("Notes"), view["notes"])):
        if items:
            lines.append("")
            lines.append(label + ":")
            lines.extend(f"  {item}" for item in items)
    return "\n".join(lines)
