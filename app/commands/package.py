"""`secondo pack` and `secondo inspect`: make and examine SODP dossier packages."""

import argparse
from pathlib import Path
import sys

from app.commands.output import print_json
from app.core.errors import BadInputError, SignatureCheckError
from app.core.i18n import _, ngettext


def add_parsers(sub: argparse._SubParsersAction) -> None:
    pack = sub.add_parser("pack", help=_("pack a dossier folder into an encrypted .sodp package"))
    pack.add_argument("src_dir", metavar="SRC_DIR")
    pack.add_argument("-o", "--output", required=True, metavar="FILE.sodp")
    pack.add_argument("--recipient", action="append", default=[], metavar="CERT.pem",
                      help=_("encrypt for this certificate (repeatable)"))
    pack.add_argument("--passphrase-env", metavar="VAR", help=_("encrypt for the passphrase in VAR"))
    pack.add_argument("--sign", metavar="ID.p12", help=_("sign the manifest with this identity"))
    pack.add_argument("--sign-pass-env", metavar="VAR")
    pack.add_argument("--chunk-size", type=int, default=None, help=argparse.SUPPRESS)  # None: the format's default
    pack.set_defaults(handler=run_pack)

    inspect = sub.add_parser("inspect", help=_("show who a package is for; with a key, check it all"))
    inspect.add_argument("file", metavar="FILE.sodp")
    inspect.add_argument("--json", action="store_true")
    key = inspect.add_mutually_exclusive_group()
    key.add_argument("--passphrase-env", metavar="VAR")
    key.add_argument("--identity", metavar="ID.p12")
    inspect.add_argument("--identity-pass-env", metavar="VAR")
    inspect.add_argument("--trust", action="append", default=[], metavar="ROOT.pem",
                         help=_("also trust this sender root (besides the workstation's list)"))
    inspect.set_defaults(handler=run_inspect)


def run_pack(args) -> int:
    from app.commands import secrets
    from app.crypto import stanzas
    from app.crypto.sodp import DEFAULT_CHUNK_SIZE
    from app.dossier import package
    from app.signing.certificates import load_certificate
    from app.signing.identities import subject_name

    recipients: list = []
    for cert_path in args.recipient:
        certificate = load_certificate(Path(cert_path))
        stanzas.check_recipient_certificate(certificate)
        recipients.append(certificate)
    if args.passphrase_env:
        recipients.append(stanzas.Passphrase(secrets.secret_from_env(args.passphrase_env)))
    if not recipients:
        args.parser.error(_("give at least one --recipient or --passphrase-env"))
    signer = secrets.identity(args.sign, args.sign_pass_env)
    manifest, unlisted = package.pack_directory(Path(args.src_dir), Path(args.output), recipients,
                                                signer=signer, chunk_size=DEFAULT_CHUNK_SIZE if args.chunk_size is None else args.chunk_size)
    for path in unlisted:
        print(_("note: {path} is not listed in manifest.json and was left out").format(path=path),
              file=sys.stderr)
    entries = manifest["documents"] + manifest["imaging"]
    print(ngettext("{out}: {n} file, {size} bytes, for {who}", "{out}: {n} files, {size} bytes, for {who}",
               len(entries)).format(
        out=args.output, n=len(entries), size=sum(e["size"] for e in entries),
        who=", ".join(_("a passphrase") if isinstance(r, stanzas.Passphrase) else subject_name(r)
                      for r in recipients)))
    return 0


def inspect_json(path: Path, credentials: list, trusted_roots: list) -> dict:
    """The stable `inspect --json` document (docs/cli.md)."""
    from app.crypto import stanzas
    from app.crypto.sodp import read_header
    from app.dossier import package

    try:
        with open(path, "rb") as stream:
            header = read_header(stream)
            result = {"file": str(path), "format": "sodp/1", "chunk_size": header.chunk_size,
                      "recipients": [stanzas.describe(s) for s in header.recipients], "opened": False}
            if not credentials:
                return result
            stream.seek(0)
            contents = package.read_package(stream, credentials, trusted_roots=trusted_roots)
    except FileNotFoundError:
        raise BadInputError(_("{path} does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise BadInputError(_("{path} is a folder, not a package file.").format(path=path)) from None
    result.update(opened=True, manifest=contents.manifest, signature=contents.signature.to_json(),
                  files=contents.files, payload_size=contents.payload_size)
    return result


def run_inspect(args) -> int:
    """Exit 4 when the manifest signature is invalid (the import would refuse it); an untrusted
    one is shown as such and exits 0, as the import takes it, flagged."""
    from app.commands import secrets
    from app.dossier.manifest_signature import INVALID
    from app.signing import trust

    credentials = secrets.credentials(args)
    roots = trust.trusted_sender_roots([Path(p) for p in args.trust])
    result = inspect_json(Path(args.file), credentials, roots)
    if args.json:
        print_json(result)
    else:
        print(render_inspect(result))
    signature = result.get("signature") or {}
    if signature.get("state") == INVALID:
        raise SignatureCheckError(_("{file}: the manifest signature check failed: {reason}.").format(
            file=args.file, reason=signature.get("reason")))
    return 0


def render_inspect(result: dict) -> str:
    from app.core.locale_format import format_date
    from app.crypto import stanzas

    lines = [_("{file}: SODP package (sodp/1), chunk size {kib} KiB").format(
        file=result["file"], kib=result["chunk_size"] // 1024), _("Recipients:")]
    for stanza in result["recipients"]:
        if stanza["type"] == stanzas.PASSPHRASE:
            lines.append("  " + _("passphrase (Argon2id, {t} passes, {m} MiB, {p} lanes)").format(
                t=stanza["time_cost"], m=(stanza["memory_kib"] or 0) // 1024, p=stanza["lanes"]))
        elif stanza["type"] in (stanzas.RSA_OAEP, stanzas.ECDH_ES):
            kind = "RSA-OAEP" if stanza["type"] == stanzas.RSA_OAEP else "ECDH-ES"
            lines.append("  " + _("certificate {fp} ({kind})").format(fp=stanza["cert_sha256"], kind=kind))
        else:
            lines.append("  " + _("unknown recipient type {t}").format(t=stanza["type"]))
    if not result["opened"]:
        return "\n".join(lines)
    manifest = result["manifest"]
    lines += [
        _("Dossier {id}, created {created}, from {sender}").format(
            id=manifest["dossier_id"], created=format_date(manifest["created"]),
            sender=manifest.get("sender", {}).get("organisation", _("an unnamed sender"))),
        _("Patient: {family}, {given}, born {born}").format(
            family=manifest["patient"]["family_name"].upper(), given=manifest["patient"].get("given_names", ""),
            born=format_date(manifest["patient"]["birth_date"])),
        _("Question: {q}").format(q=manifest["referral"]["question"]),
        _("Documents: {d}; imaging files: {i}; {size} bytes, every hash checked").format(
            d=len(manifest["documents"]), i=len(manifest["imaging"]), size=result["payload_size"]),
        _("Manifest signature: {state}").format(state=_describe_signature(result["signature"])),
    ]
    return "\n".join(lines)


def _describe_signature(signature: dict) -> str:
    from app.dossier.manifest_signature import SignatureState

    return SignatureState(**signature).describe()
