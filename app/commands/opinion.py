"""`secondo opinion export|list|get` and `secondo verify`: the signed opinion PDF (docs/cli.md).

`opinion export CASE [--response R.json] -o OUT.pdf` renders the letter from the case and the
QuestionnaireResponse (default: the case's draft). With `--identity ID.p12` (passphrase from
`--identity-pass-env VAR`, else the keyring, else a prompt that offers to remember it) or a
PKCS#11 token (`--token LABEL --pin-env VAR [--pkcs11-module LIB]`) it signs it through
`app.signoff.signing` exactly as the window does: kept with the case as the opinion or its
next addendum, the case Signed, "sign" audited. Without a key it writes the unsigned preview.
Either way the file is written atomically and "export" is audited. The identity is opened
and its certificate checked before anything is rendered or written. `--lang nl|fr|en` writes
that letter (the preview, or the opinion or addendum signed now) in that language, instead of
the draft's (default: the treating physician's language, else the interface's); a signed
opinion's PDF never changes language: another language is a new addendum (`--lang` with a key).

`opinion list CASE [--json]` lists the signed opinions; `opinion get CASE [--number N] -o
OUT.pdf` writes one byte for byte (audited as an export).

`verify FILE.pdf [--trust ROOT.pem]... [--json]` checks every signature against the given
roots plus the workstation's signer roots; exit 0 when all pass, 4 otherwise. The JSON
document is `VerifyReport.to_json()` (documented in app/signing/verify.py and docs/cli.md).
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
import getpass
import hashlib
import json
import os
from pathlib import Path
import sys
from typing import TYPE_CHECKING

from app.commands import secrets as cli_secrets
from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError, OutputError, SignatureCheckError
from app.core.i18n import LANGUAGES, _, ngettext

if TYPE_CHECKING:
    from app.signing.verify import VerifyReport


def add_parsers(sub: argparse._SubParsersAction) -> None:
    opinion = sub.add_parser("opinion", help=_("the opinion letter: export it as a signed PDF"))
    verbs = opinion.add_subparsers(dest="opinion_verb", metavar="ACTION")
    export = verbs.add_parser("export", help=_("render, sign and write the opinion PDF of a case"))
    export.add_argument("case", metavar="CASE")
    export.add_argument("--response", metavar="R.json",
                        help=_("the QuestionnaireResponse (the filled form) as JSON; default: the case's draft"))
    export.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    export.add_argument("--lang", choices=LANGUAGES, metavar="LANG",
                        help=_("write the letter in nl, fr or en (default: the language chosen for the case's "
                               "opinion)"))
    key = export.add_mutually_exclusive_group()
    key.add_argument("--identity", metavar="ID.p12", help=_("sign with this PKCS#12 identity"))
    key.add_argument("--token", metavar="LABEL", help=_("sign with the key on this PKCS#11 token"))
    export.add_argument("--identity-pass-env", metavar="VAR")
    export.add_argument("--pin-env", metavar="VAR", help=_("the token's PIN is in VAR"))
    export.add_argument("--pkcs11-module", metavar="LIB.so", help=_("the PKCS#11 module of the token"))
    export.add_argument("--remember", action="store_true",
                        help=_("keep the identity's passphrase in the OS keyring after it opens"))
    add_vault_option(export)
    export.set_defaults(handler=run_export)
    listing = verbs.add_parser("list", help=_("the signed opinions and addenda of a case"))
    listing.add_argument("case", metavar="CASE")
    listing.add_argument("--json", action="store_true")
    add_vault_option(listing)
    listing.set_defaults(handler=run_list)
    get = verbs.add_parser("get", help=_("write a signed opinion of a case, byte for byte"))
    get.add_argument("case", metavar="CASE")
    get.add_argument("--number", type=int, metavar="N", help=_("0: the opinion, n: addendum n; default the latest"))
    get.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    add_vault_option(get)
    get.set_defaults(handler=run_get)
    opinion.set_defaults(handler=lambda args: _usage(opinion))

    verify = sub.add_parser("verify", help=_("check the signatures of a signed PDF"))
    verify.add_argument("file", metavar="FILE.pdf")
    verify.add_argument("--trust", action="append", default=[], metavar="ROOT.pem",
                        help=_("also trust this signer root (besides the workstation's list)"))
    verify.add_argument("--password-env", metavar="VAR",
                        help=_("the environment variable holding the passphrase of a password-protected PDF"))
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=run_verify)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _ask_passphrase(path: Path, retry: bool):
    if not sys.stdin.isatty():
        return None
    if retry:
        print(_("That passphrase did not open {path}.").format(path=path), file=sys.stderr)
    passphrase = getpass.getpass(_("Passphrase of {path}: ").format(path=path))
    remember = input(_("Remember it in the OS keyring? [y/N] ")).strip().lower() in ("y", "yes")
    return passphrase, remember


def _read_response(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(_("{path} does not exist.").format(path=path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInputError(_("{path} is not a readable JSON file ({reason}).").format(path=path, reason=exc)) from None
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise BadInputError(_("{path} is not a QuestionnaireResponse.").format(path=path))
    return data


def _signer(args, stack: ExitStack):
    """The signer of `--identity` or `--token`, its certificate checked; None to export unsigned."""
    from app.signing.certificate_checks import check_signing_certificate
    from app.signing.secrets import open_identity

    if args.identity:
        passphrase = cli_secrets.secret_from_env(args.identity_pass_env) if args.identity_pass_env else None
        identity = open_identity(Path(args.identity), _ask_passphrase, passphrase)
        if passphrase is not None and args.remember:
            from app.signing.secrets import remember_passphrase
            remember_passphrase(Path(args.identity), passphrase)
        check_signing_certificate(identity.certificate)
        return identity
    if args.token:
        from app.signing.pades import to_cryptography_certificate
        from app.signing.pkcs11 import token_signer

        pin = cli_secrets.secret(args.pin_env, _("PIN of token {label}").format(label=args.token))
        signer = stack.enter_context(token_signer(args.token, pin, module=args.pkcs11_module))
        check_signing_certificate(to_cryptography_certificate(signer.signing_cert))
        return signer
    return None


def _draft_of(store, case_id: str) -> dict:
    from app.store.drafts import DraftStore

    draft = DraftStore(store).load(case_id)
    if draft is None:
        raise BadInputError(_("The case has no opinion draft yet; give the filled form with --response."))
    return draft


def _with_language(store, case_id: str, response: dict, lang: str | None) -> dict:
    """The response to be written in `lang`, else in its own language, else in the case's
    default (the treating physician's, else the interface's); an addendum keeps its opinion's."""
    from app.outgoing.address_book import AddressBook
    from app.outgoing.languages import default_opinion_language
    from app.signoff.language import opinion_language, with_language
    from app.store.opinions import SignedOpinionStore

    if lang:
        return with_language(response, lang)
    if opinion_language(response) or SignedOpinionStore(store).language(case_id):
        return response
    return with_language(response, default_opinion_language(store.record(case_id), AddressBook(store)).tag)


def run_export(args) -> int:
    from app.core.files import atomic_output
    from app.signing.verify import quiet_validation_logs
    from app.signoff.signing import preview_opinion, sign_opinion

    quiet_validation_logs()
    response = _read_response(Path(args.response)) if args.response else None
    output = Path(args.output)
    with ExitStack() as stack:
        signer = _signer(args, stack)  # refused here, before anything is rendered or written
        store = stack.enter_context(open_store(args))
        case_id = store.resolve_case(args.case)
        response = _with_language(store, case_id, response or _draft_of(store, case_id), args.lang)
        if signer is not None:
            result = sign_opinion(store, case_id, response, signer, via="cli")
            pdf, pages, number = result.pdf, result.opinion.pages, result.opinion.number
        else:
            rendered = preview_opinion(store, case_id, response)
            pdf, pages, number = rendered.pdf, rendered.page_count, None
        try:
            with atomic_output(output) as out:
                out.write(pdf)
        except OutputError as exc:
            if signer is None:
                raise
            raise OutputError(_("{reason} The opinion was signed and is kept with the case: write it with "
                                "'secondo opinion get {case} -o FILE'.").format(reason=exc, case=case_id[:8])) from None
        store.audit.append("export", case_id, via="cli", signed=signer is not None, opinion=number, pages=pages,
                           pdf_sha256=hashlib.sha256(pdf).hexdigest())
    if signer is None:
        print(_("{out}: {pages}, NOT signed (no --identity or --token given)").format(out=output, pages=_pages(pages)))
    elif number:
        print(_("{out}: addendum {n}, {pages}, signed by {signer}").format(
            out=output, n=number, pages=_pages(pages), signer=result.opinion.signer))
    else:
        print(_("{out}: {pages}, signed by {signer}").format(out=output, pages=_pages(pages),
                                                                  signer=result.opinion.signer))
    return 0


def _pages(n: int) -> str:
    return ngettext("{n} page", "{n} pages", n).format(n=n)


def run_list(args) -> int:
    from app.store.opinions import SignedOpinionStore

    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        opinions = SignedOpinionStore(store).list(case_id)
    if args.json:
        print_json({"case_id": case_id, "opinions": [o.to_json() for o in opinions]})
        return 0
    if not opinions:
        print(_("The case has no signed opinion yet."))
    for o in opinions:
        what = _("addendum {n}").format(n=o.number) if o.number else _("opinion")
        print(_("{n}  {what}  signed {at} by {signer}, {pages}, sha256 {sha}").format(
            n=o.number, what=what, at=o.signed_at, signer=o.signer, pages=_pages(o.pages), sha=o.pdf_sha256[:16]))
    return 0


def run_get(args) -> int:
    from app.signoff.signing import export_signed_opinion

    output = Path(args.output)
    with open_store(args) as store:
        number = export_signed_opinion(store, store.resolve_case(args.case), output, args.number, via="cli")
    print(_("{out}: signed opinion {n} of the case, unchanged").format(out=output, n=number))
    return 0


def render_report(report: VerifyReport) -> str:
    yes_no = {True: _("yes"), False: _("NO")}
    lines = []
    for sig in report.signatures:
        lines += [
            _("{file}: signature {field}").format(file=report.file, field=sig.field),
            "  " + _("signer: {signer}").format(signer=sig.signer or _("unknown")),
            "  " + _("signing time: {time}").format(time=sig.signing_time or _("unknown")),
            "  " + _("intact: {intact}; trusted: {trusted}; covers the whole file: {whole}").format(
                intact=yes_no[sig.intact and sig.valid], trusted=yes_no[sig.trusted], whole=yes_no[sig.whole_file]),
        ]
        if sig.modified_after_signing:
            lines.append("  " + _("MODIFIED AFTER SIGNING"))
        lines += ["  " + _("problem: {problem}").format(problem=p) for p in sig.problems]
    lines += [_("{file}: {problem}").format(file=report.file, problem=p) for p in report.problems]
    if report.locked:
        lines.append(_("{file}: password-protected, signature not checked").format(file=report.file))
    else:
        lines.append(_("{file}: signature OK").format(file=report.file) if report.ok
                     else _("{file}: signature check FAILED").format(file=report.file))
        if report.password_protected:
            lines.append(_("{file}: password-protected, opened with the given passphrase").format(file=report.file))
    return "\n".join(lines)


def run_verify(args) -> int:
    from app.signing import trust
    from app.signing.verify import verify_pdf

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise BadInputError(_("The environment variable {name} holding the passphrase is not set.")
                                .format(name=args.password_env))
    roots = trust.trusted_signer_roots([Path(p) for p in args.trust])
    report = verify_pdf(Path(args.file), roots, password)
    if args.json:
        print_json(report.to_json())
    else:
        print(render_report(report))
    if report.locked:  # not a failed signature: the check could not be made
        raise BadInputError(_("{file} is password-protected: give its passphrase with --password-env VAR to check "
                              "its signature.").format(file=args.file) if password is None else
                            _("{file}: the passphrase does not open the password-protected document.")
                            .format(file=args.file))
    if not report.ok:
        problems = report.problems or [p for s in report.signatures for p in s.problems]
        raise SignatureCheckError(_("{file}: the signature check failed: {problem}").format(
            file=args.file, problem=problems[0] if problems else _("unknown reason")))
    return 0
