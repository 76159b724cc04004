"""`secondo opinion export` and `secondo verify`: the signed opinion PDF (DESIGN §6 and §8).

`opinion export CASE --response R.json -o OUT.pdf` renders the letter from the case and the
QuestionnaireResponse, signs it as PAdES B-B with `--identity ID.p12` (passphrase from
`--identity-pass-env VAR`, else the keyring, else a prompt that offers to remember it) or a
PKCS#11 token (`--token LABEL --pin-env VAR [--pkcs11-module LIB]`), writes it atomically and
records "export" (and "sign") in the audit log. The identity is opened and its certificate
checked before anything is rendered or written.

`verify FILE.pdf [--trust ROOT.pem]... [--json]` checks every signature against the given
roots plus the workstation's signer roots; exit 0 when all pass, 4 otherwise. The JSON
document is `VerifyReport.to_json()` (docs in app/signing/verify.py and the reply of issue 6).
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
import getpass
import hashlib
import json
import logging
from pathlib import Path
import sys

from app.commands import secrets as cli_secrets
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError, IdentityError, SignatureCheckError
from app.core.files import atomic_output
from app.core.i18n import _
from app.signing import trust
from app.signing.certificate_checks import check_signing_certificate
from app.signing.secrets import open_identity
from app.signing.verify import VerifyReport, verify_pdf


def add_parsers(sub: argparse._SubParsersAction) -> None:
    opinion = sub.add_parser("opinion", help=_("the opinion letter: export it as a signed PDF"))
    verbs = opinion.add_subparsers(dest="opinion_verb", metavar="ACTION")
    export = verbs.add_parser("export", help=_("render, sign and write the opinion PDF of a case"))
    export.add_argument("case", metavar="CASE")
    export.add_argument("--response", required=True, metavar="R.json",
                        help=_("the QuestionnaireResponse (the filled form) as JSON"))
    export.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
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
    opinion.set_defaults(handler=lambda args: _usage(opinion))

    verify = sub.add_parser("verify", help=_("check the signatures of a signed PDF"))
    verify.add_argument("file", metavar="FILE.pdf")
    verify.add_argument("--trust", action="append", default=[], metavar="ROOT.pem",
                        help=_("also trust this signer root (besides the workstation's list)"))
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=run_verify)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _quiet_pyhanko() -> None:
    # pyHanko logs tracebacks for every untrusted or broken signature; the report says it plainly.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


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


def questionnaire_for(response: dict):
    """The shipped template the response was filled from (its `questionnaire` canonical)."""
    from app.opinion.questionnaire import DEFAULT_TEMPLATE, list_templates, load_template

    wanted = str(response.get("questionnaire") or "")
    for name in list_templates():
        q = load_template(name)
        if wanted and wanted in (q.canonical(), q.url, q.name) or wanted.split("|")[0] == q.url:
            return q
    if wanted:
        raise BadInputError(_("The response was filled from form {form}, which is not on this workstation.")
                            .format(form=wanted))
    return load_template(DEFAULT_TEMPLATE)


def _signer(args, stack: ExitStack):
    """The signer of `--identity` or `--token`, its certificate checked; None to export unsigned."""
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


def run_export(args) -> int:
    try:
        from app.report import render_opinion
    except ImportError:
        raise BadInputError(_("This workstation cannot render opinion letters (app.report is missing).")) from None
    from app.opinion.prefill import bind
    from app.signing.pades import sign_pdf
    from app.store.annotations import AnnotationStore

    _quiet_pyhanko()
    response = _read_response(Path(args.response))
    output = Path(args.output)
    with ExitStack() as stack:
        signer = _signer(args, stack)  # refused here, before anything is rendered or written
        store = stack.enter_context(open_store(args))
        case_id = store.resolve_case(args.case)
        record = store.record(case_id)
        questionnaire = bind(questionnaire_for(response), record)
        key_images = AnnotationStore(store).key_images(case_id)
        rendered = render_opinion(record, questionnaire, response, key_images=key_images)
        pdf, signed = rendered.pdf, None
        if signer is not None:
            signed = sign_pdf(rendered.pdf, signer, box=rendered.signature_box)
            pdf = signed.pdf
        with atomic_output(output) as out:
            out.write(pdf)
        digest = hashlib.sha256(pdf).hexdigest()
        if signed is not None:
            store.audit.append("sign", case_id, via="cli", signer=signed.signer, pdf_sha256=digest)
        store.audit.append("export", case_id, via="cli", signed=signed is not None, pages=rendered.page_count,
                           pdf_sha256=digest, file=output.name)
    if signed is not None:
        print(_("{out}: {pages} pages, signed by {signer}").format(out=output, pages=rendered.page_count,
                                                                  signer=signed.signer))
    else:
        print(_("{out}: {pages} pages, NOT signed (no --identity or --token given)").format(
            out=output, pages=rendered.page_count))
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
    lines.append(_("{file}: signature OK").format(file=report.file) if report.ok
                 else _("{file}: signature check FAILED").format(file=report.file))
    return "\n".join(lines)


def run_verify(args) -> int:
    _quiet_pyhanko()
    roots = trust.trusted_signer_roots([Path(p) for p in args.trust])
    report = verify_pdf(Path(args.file), roots)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render_report(report))
    if not report.ok:
        problems = report.problems or [p for s in report.signatures for p in s.problems]
        raise SignatureCheckError(_("{file}: the signature check failed: {problem}").format(
            file=args.file, problem=problems[0] if problems else _("unknown reason")))
    return 0
