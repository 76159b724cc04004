"""Preview and signing of a case's opinion, the one service behind the window's Preview and
Sign and behind `secondo opinion export` (docs/ARCHITECTURE.md, "Signing").

`preview_opinion` renders the unsigned letter. `sign_opinion` refuses a case whose sheet lacks the patient,
the question or the consent (app/dossier/case_sheet.py) and an incomplete form (naming the
empty required items), renders the letter as the opinion or as the next numbered
addendum, signs it (PAdES B-B), keeps it in the case's signed opinions, locks the draft (the
signed response, status completed), sets the case Signed and records "sign" in the audit log.
The signed original is never altered: every later signature is a new addendum.

With it, and by the same open signer (a token's PIN is asked once), it signs one
password-protected copy of the letter (app/signoff/protected_pdf.py) for every consented role
the opinion is addressed to (app/opinion/addressees.py), each with a new passphrase: what a
recipient without Second-O gets (`secondo outgoing --form pdf`). Encrypting after signing would
break the signature, so the copies can only be made here. The copies and their passphrases are
kept in the vault with the opinion, all or nothing.

The letter is written in the response's `language` (app/signoff/language.py): chosen in the
form, else the language of the opinion an addendum adds to, else the interface's; the signed
response and the signed opinion's record keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import copy
from datetime import datetime, timezone

from app.core.errors import BadInputError, IdentityError, OutputError, SecondoError
from app.core.i18n import _, in_language, language_of, ngettext
from app.core.tasks import CancelToken, Progress, no_progress
from app.dossier.case_sheet import missing_sentence
from app.opinion.addressees import addressed_roles
from app.opinion.prefill import bind
from app.opinion.form_languages import localized
from app.opinion.questionnaire import (DEFAULT_TEMPLATE, Questionnaire, find_items, list_templates, load_template,
                                      missing_required)
from app.report import render_opinion
from app.signoff.language import letter_language, opinion_language
from app.signoff.protected_pdf import new_passphrase, protect_and_sign
from app.store.annotations import AnnotationStore
from app.store.opinions import SignedOpinion, SignedOpinionStore

LOCKED_STATUSES = ("completed", "amended")
STEPS = 4  # progress(done, STEPS + copies): rendered, signed, each protected copy signed, kept, done


class IncompleteOpinionError(BadInputError):
    """Signing was refused: required items of the form are empty (`missing`: linkId, text)."""

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        self.missing = missing
        names = "; ".join(text for _link, text in missing)
        super().__init__(ngettext("The opinion cannot be signed: {n} required item is empty: {names}.",
                                  "The opinion cannot be signed: {n} required items are empty: {names}.",
                                  len(missing)).format(
            n=len(missing), names=names))


class IncompleteCaseError(BadInputError):
    """Signing was refused: the case lacks what its opinion needs (the patient, the question,
    the consent; app/dossier/case_sheet.py `missing_for_signing`). The message says what to
    complete on the case sheet."""


@dataclass(frozen=True)
class SignedResult:
    opinion: SignedOpinion
    pdf: bytes
    response: dict  # as signed, embedded in the PDF and now the case's (locked) draft


def questionnaire_for(response: dict) -> Questionnaire:
    """The shipped template the response was filled from (its `questionnaire` canonical)."""
    wanted = str(response.get("questionnaire") or "")
    for name in list_templates():
        q = load_template(name)
        if wanted and (wanted in (q.canonical(), q.url, q.name) or wanted.split("|")[0] == q.url):
            return q
    if wanted:
        raise BadInputError(_("The response was filled from form {form}, which is not on this workstation.")
                            .format(form=wanted))
    return load_template(DEFAULT_TEMPLATE)


def is_locked(response: dict | None) -> bool:
    """A draft that has been signed: it is kept as it was, a change starts an addendum."""
    return response is not None and response.get("status") in LOCKED_STATUSES


def start_addendum(signed_response: dict) -> dict:
    """A new draft for the next addendum: the signed answers, open for change again."""
    draft = copy.deepcopy(signed_response)
    draft["status"] = "in-progress"
    draft["authored"] = _now()
    return draft


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _context(store, case_id: str, response: dict):
    record = store.record(case_id)
    return record, bind(questionnaire_for(response), record)


def _changes(store, case_id: str, questionnaire, opinions: list[SignedOpinion], response: dict,
             language: str | None = None) -> list[str] | None:
    """The sections `response` changes from the latest signed opinion, titled in `language` (the
    letter's); None when there is none."""
    if not opinions:
        return None
    shown = localized(questionnaire, language) if language and language_of(language) else questionnaire
    return changed_sections(shown, SignedOpinionStore(store).response(case_id, opinions[-1].number), response)


def opinion_language_of(store, case_id: str, response: dict, opinions: list[SignedOpinion] | None = None) -> str:
    """The tag the letter of `response` is written in: the response's, else the case's latest
    signed opinion's (an addendum keeps it), else the interface language."""
    if opinions is None:
        opinions = SignedOpinionStore(store).list(case_id)
    for tag in (opinion_language(response), next((o.language for o in reversed(opinions) if o.language), None)):
        if language_of(tag):
            return str(tag)
    return letter_language(None)


def _render(store, case_id: str, record: dict, questionnaire, response: dict, opinions: list[SignedOpinion],
            changed: list[str] | None, letterhead=None, language: str | None = None):
    key_images = AnnotationStore(store).key_images(case_id)
    original_date = opinions[0].signed_at[:10] if opinions else None
    tag = language if language_of(language) else letter_language(None)  # "nl-BE": the region counts too
    with in_language(tag):  # the letter's words, dates and decimals in its reader's language
        return render_opinion(record, questionnaire, response, key_images=key_images, letterhead=letterhead,
                              addendum_number=len(opinions) or None, original_date=original_date,
                              changed_sections=changed, language=tag)


def changed_sections(questionnaire, before: dict, after: dict) -> list[str]:
    """The titles of the form's top-level sections whose answers differ between two responses."""
    def answers(response: dict, item: dict) -> list:
        links = [item["linkId"]] + [i["linkId"] for i in _descendants(item)]
        return [[ri.get("answer") for ri in find_items(response, link)] for link in links]

    return [item.get("text") or item["linkId"] for item in questionnaire.data.get("item", [])
            if item["type"] != "display" and answers(before, item) != answers(after, item)]


def _descendants(item: dict):
    for child in item.get("item", []) or []:
        yield child
        yield from _descendants(child)


def preview_opinion(store, case_id: str, response: dict, letterhead=None):
    """The unsigned letter (a `RenderedOpinion`), titled as the next addendum when the case
    already has a signed opinion."""
    opinions = SignedOpinionStore(store).list(case_id)
    record, questionnaire = _context(store, case_id, response)
    language = opinion_language_of(store, case_id, response, opinions)
    changed = _changes(store, case_id, questionnaire, opinions, response, language)
    return _render(store, case_id, record, questionnaire, response, opinions, changed, letterhead, language)


def sign_opinion(store, case_id: str, response: dict, signer, *, via: str = "gui", letterhead=None,
                 progress: Progress = no_progress, token: CancelToken | None = None) -> SignedResult:
    """Render, sign and keep the case's opinion (or next addendum); see the module docstring.

    `signer`: a `KeyIdentity` or a pyHanko signer (PKCS#11). Raises `IncompleteOpinionError`,
    `IdentityError` (certificate or token refused) or `BadInputError` before anything is kept.
    A cancel before the signature is kept leaves everything as it was."""
    from app.signing.pades import sign_pdf
    from app.store.drafts import DraftStore

    opinions_store = SignedOpinionStore(store)
    opinions = opinions_store.list(case_id)
    number = len(opinions)
    record, questionnaire = _context(store, case_id, response)
    incomplete = missing_sentence(record)
    if incomplete:
        raise IncompleteCaseError(incomplete)
    missing = missing_required(questionnaire, response)
    if missing:
        raise IncompleteOpinionError(missing)
    language = opinion_language_of(store, case_id, response, opinions)
    changed = _changes(store, case_id, questionnaire, opinions, response, language)
    if changed == [] and opinions and language_of(language) == language_of(opinions[-1].language or language):
        raise BadInputError(_("Nothing changed since the opinion signed on {date}: an addendum needs a change "
                              "to one of its sections or to its language.").format(date=opinions[-1].signed_at[:10]))
    signed_response = copy.deepcopy(response)
    signed_response["status"] = "amended" if number else "completed"
    signed_response["authored"] = _now()
    signed_response["language"] = language  # the draft, and an addendum started from it, keep it
    roles = addressed_roles(record, signed_response)  # each gets a protected copy
    steps = STEPS + len(roles)
    rendered = _render(store, case_id, record, questionnaire, signed_response, opinions, changed, letterhead,
                       language)
    progress(1, steps)
    if token is not None:
        token.check()
    with in_language(language):
        reason = _("Second opinion") if not number else _("Addendum {n}").format(n=number)
    signed = sign_pdf(rendered.pdf, signer, box=rendered.signature_box, reason=reason, language=language)
    progress(2, steps)
    if token is not None:
        token.check()
    protected = _protected_copies(rendered, roles, signer, signed.signer, reason=reason, language=language,
                                  progress=lambda done: progress(2 + done, steps), token=token)
    # Kept with the case Signed and "sign" audited, together (app/store/intents.py), whatever
    # happens to the draft afterwards.
    entry = opinions_store.add(case_id, number, signed.pdf, signed_response, signer=signed.signer,
                               signed_at=signed.signing_time, pages=rendered.page_count, via=via, language=language,
                               protected=protected)
    progress(steps - 1, steps)
    try:
        DraftStore(store).save(case_id, signed_response)
    except SecondoError as exc:
        raise OutputError(_("The opinion was signed and is kept with the case, but the draft could not be "
                            "updated ({reason}); the case opens on the signed opinion.").format(reason=exc)) from None
    progress(steps, steps)
    return SignedResult(entry, signed.pdf, signed_response)


def _protected_copies(rendered, roles: list[str], signer, signer_name: str, *, reason: str, language: str,
                      progress: Callable[[int], None], token: CancelToken | None) -> dict[str, tuple[bytes, str]]:
    """One password-protected copy of the `rendered` letter per role, each with a new passphrase,
    signed by `signer` (already open: a token's PIN is not asked again) like the plain copy.
    A signer that refuses one of them fails the whole signature: nothing is kept."""
    from app.signing.pades import sign_pdf

    def sign(encrypted: bytes, passphrase: str) -> bytes:
        return sign_pdf(encrypted, signer, box=rendered.signature_box, reason=reason, language=language,
                        password=passphrase).pdf

    copies: dict[str, tuple[bytes, str]] = {}
    for done, role in enumerate(roles, start=1):
        passphrase = new_passphrase()
        try:
            [pdf] = protect_and_sign(rendered.pdf, [passphrase], sign)
        except IdentityError as exc:
            raise IdentityError(_("The opinion was signed, but {signer} refused the next signature, of its "
                                  "password-protected PDF copies ({reason}). Nothing was kept. A card that asks "
                                  "for its PIN at every signature cannot sign them: sign with a PKCS#12 identity "
                                  "or a token that signs several documents with one PIN.")
                                .format(signer=signer_name, reason=exc)) from None
        copies[role] = (pdf, passphrase)
        progress(done)
        if token is not None:
            token.check()
    return copies


def export_signed_opinion(store, case_id: str, target, number: int | None = None, *, via: str = "gui") -> int:
    """Write signed opinion `number` (default the latest) to `target` byte for byte (checked
    against its recorded hash), atomically, and audit the export; returns the number."""
    import hashlib
    from pathlib import Path

    from app.core.files import atomic_output

    opinions = SignedOpinionStore(store)
    if number is None:
        latest = opinions.latest(case_id)
        if latest is None:
            raise BadInputError(_("The case has no signed opinion yet."))
        number = latest.number
    pdf = opinions.pdf(case_id, number)
    with atomic_output(Path(target)) as out:
        out.write(pdf)
    store.audit.append("export", case_id, via=via, signed=True, opinion=number,
                       pdf_sha256=hashlib.sha256(pdf).hexdigest())
    return number


def sign_with_settings(store, case_id: str, response: dict, settings, secret: str | None, *,
                       remember: bool = False, via: str = "gui", progress: Progress = no_progress,
                       token: CancelToken | None = None) -> SignedResult:
    """`sign_opinion` with the identity the reviewer chose (`app.signing.settings`): a PKCS#11
    token opened with the PIN `secret`, or a PKCS#12 file opened with the passphrase `secret`
    (None: the one remembered in the OS keyring), kept in the keyring afterwards when
    `remember`. A wrong passphrase or PIN raises `IdentityError` and nothing is kept."""
    from pathlib import Path

    from app.signing.pkcs11 import token_signer
    from app.signing.secrets import open_identity, remember_passphrase
    from app.signing.settings import PKCS11

    if not settings.configured:
        raise BadInputError(_("No signing identity is chosen yet: choose a PKCS#12 file or a smart card."))
    if settings.kind == PKCS11:
        with token_signer(settings.token_label, secret or "", module=settings.module or None,
                          key_label=settings.key_label or None) as signer:
            return sign_opinion(store, case_id, response, signer, via=via, progress=progress, token=token)
    path = Path(settings.identity_path)
    identity = open_identity(path, passphrase=secret)
    result = sign_opinion(store, case_id, response, identity, via=via, progress=progress, token=token)
    if remember and secret is not None:
        remember_passphrase(path, secret)
    return result
