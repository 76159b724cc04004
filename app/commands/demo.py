"""`secondo demo`: build the DEMO dossier package, import it into a DEMO data folder and
open the workstation on the case; with no display, walk through it offscreen and write
screenshots into --out. `--lang` chooses the language of the window, the walk and the
DEMO letter; `--no-window` signs the DEMO opinion without the window."""

import argparse
import os
from pathlib import Path
import tempfile

from app.core.i18n import LANGUAGE_ENV, LANGUAGES, _, interface_language, set_interface_language

#: The DEMO reviewer's specialty as their profile gives it, in the language of the first run.
DEMO_SPECIALTY = {"en": "Pulmonology (DEMO)", "nl": "Pneumologie (DEMO)", "fr": "Pneumologie (DEMO)"}
#: The language the DEMO GP reads (their address-book contact's).
DEMO_GP_LANGUAGE = "nl"
#: Locks the DEMO data folder where the OS has no keyring; printed, never a real secret.
DEMO_VAULT_PASSPHRASE = "demo-vault-passphrase-not-secret"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help=_("build and import the DEMO dossier and show it"))
    demo.add_argument("--out", metavar="DIR", help=_("where to write the demo files (and its data folder)"))
    demo.add_argument("--lang", choices=LANGUAGES, metavar="|".join(LANGUAGES),
                      help=_("the language of the window, of its walk and of the DEMO letter (default: the "
                             "interface language)"))
    demo.add_argument("--ct-slices", type=int, default=200, help=argparse.SUPPRESS)
    demo.add_argument("--no-window", action="store_true", help=argparse.SUPPRESS)  # the Qt-free part alone
    demo.set_defaults(handler=run_demo)


def _demo_prompt(is_new: bool) -> str:
    return os.environ.get("SECONDO_VAULT_PASSPHRASE") or DEMO_VAULT_PASSPHRASE


def run_demo(args) -> int:
    from app.commands.package import inspect_json, render_inspect
    from app.demo import DEMO_LETTERHEAD
    from app.demo.package import build_demo_package
    from app.demo.pki import REVIEWER_RSA_NAME as DEMO_REVIEWER
    from app.dossier.case_view import case_json, render_case
    from app.dossier.importer import DossierImporter
    from app.opinion.profile import ReviewerProfile, load_profile, save_profile
    from app.report.letterhead import letterhead_path, save_letterhead
    from app.store.keys import VaultLockedError
    from app.store.store import CaseStore

    if args.lang:
        # In the environment too, so that the window's own start-up keeps it (SECONDO_LANGUAGE wins there).
        os.environ[LANGUAGE_ENV] = args.lang
        set_interface_language(args.lang)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="secondo-demo-"))
    # Demo data never mixes with real cases: its own data folder unless SECONDO_HOME says otherwise.
    home = Path(os.environ["SECONDO_HOME"]) if os.environ.get("SECONDO_HOME") else out / "home"
    # Everything of this run (reviewer profile, window settings) belongs to that folder too.
    os.environ["SECONDO_HOME"] = str(home)
    built = build_demo_package(out, ct_slices=args.ct_slices)
    print(_("DEMO dossier package (not for clinical use): {path}").format(path=built.package))
    print(render_inspect(inspect_json(built.package, [built.reviewer_identity()], [built.root])))
    try:
        store = CaseStore.open(home, _demo_prompt)
    except VaultLockedError as exc:
        raise VaultLockedError(_("{reason} The DEMO data folder {home} is locked with another passphrase; "
                                 "set SECONDO_VAULT_PASSPHRASE or choose another --out.")
                               .format(reason=exc, home=home)) from None
    with store:
        profile = load_profile()
        if not profile.name:  # the DEMO reviewer, so the form is filled as a reviewer's would be
            specialty = DEMO_SPECIALTY.get(interface_language(), DEMO_SPECIALTY["en"])
            save_profile(ReviewerProfile(DEMO_REVIEWER, specialty, "1-00000-99-000 (DEMO)"))
        if not letterhead_path().exists():  # the DEMO institution heads the DEMO letters, here only
            save_letterhead(DEMO_LETTERHEAD)
        _demo_signing(built)
        _demo_address_book(store, built)
        if store.key_source.kind == "passphrase":
            print(_("No OS keyring here: the DEMO data folder is locked with the DEMO vault passphrase "
                    "'{p}'.").format(p=_demo_prompt(False)))
        result = DossierImporter(store, [built.reviewer_identity()], [built.root]).run([built.package])
        print()
        print(_("Imported into {home}:").format(home=home))
        print(render_case(case_json(store, result.case_id)))
        if args.no_window:
            from app.commands.demo_letter import sign_demo_opinion

            letter = sign_demo_opinion(store, result.case_id, built.reviewer_identity(), out, language=args.lang)
            print(_("The DEMO opinion, signed: {path}").format(path=letter))
            return 0
        return _open_window(out, store, result.case_id, built)


def _demo_signing(built) -> None:
    """The DEMO reviewer signs with the DEMO identity, and the DEMO root is trusted for
    signatures in this data folder (only), so the signed opinion shows as trusted."""
    from app.demo.pki import DEMO_PASSPHRASE
    from app.signing.settings import SigningSettings, load_signing_settings, save_signing_settings
    from app.signing.trust import signer_roots_dir

    settings = load_signing_settings()
    if not settings.configured:
        settings = SigningSettings(identity_path=str(built.reviewer_p12))
    if not settings.organisation_identity:  # the DEMO organisation signs the outgoing manifests
        settings.organisation_identity = str(built.pki_files["workstation.p12"])
    save_signing_settings(settings)
    roots = signer_roots_dir()
    roots.mkdir(parents=True, exist_ok=True)
    (roots / "demo-root.pem").write_bytes(built.pki_files["root.pem"].read_bytes())
    print(_("Signing identity: {path} (DEMO passphrase '{p}').").format(path=built.reviewer_p12, p=DEMO_PASSPHRASE))


def _demo_address_book(store, built) -> None:
    """The DEMO treating physician in the address book, with the encryption certificate, and
    the DEMO GP, who reads Dutch. The treating physician's language is left unknown, so that
    the DEMO letter is written in the interface language (`--lang`)."""
    from app.demo import DEMO_PEOPLE
    from app.demo.pki import TREATING_NAME
    from app.outgoing.address_book import AddressBook, Contact, certificate_from_bytes, certificate_pem

    book = AddressBook(store)
    known = book.contacts()
    if not any(c.role == "treating_physician" and c.name == TREATING_NAME for c in known):
        certificate = certificate_from_bytes(built.pki_files["treating-physician.pem"].read_bytes())
        person = DEMO_PEOPLE["pulmonologist"]  # the dossier's treating physician: the same registration
        book.save(Contact(TREATING_NAME, "treating_physician", person["registration"],
                          person.get("organisation") or "", person.get("address") or "",
                          certificate_pem(certificate)))
    gp = DEMO_PEOPLE["general_practitioner"]
    if not any(c.role == "general_practitioner" and c.name == gp["name"] for c in known):
        book.save(Contact(gp["name"], "general_practitioner", gp["registration"], gp["organisation"], gp["address"],
                          language=DEMO_GP_LANGUAGE))


def _open_window(out: Path, store, case_id: str, built) -> int:
    """The workstation on the demo case; offscreen (screenshots into `out`) without a display."""
    from app.ui.app_main import has_display
    from app.ui.demo_walk import run_demo_window

    return run_demo_window(out, screenshots=not has_display(), store=store, case_id=case_id,
                           credentials=[built.reviewer_identity()], roots=[built.root])
