"""The CLI in the user's language: it follows the OS locale like any gettext program (nl_BE
Dutch, fr_BE French, anything else English), argparse's own words included; exit codes and
`--json` documents are the same in every language; signature summaries and the signature
stamp are worded in the language asked for; `secondo demo --lang`."""

from __future__ import annotations

import json
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from app.cli import main
from app.core.i18n import in_language
from app.demo.pki import DEMO_PASSPHRASE
from app.signing.pades import sign_pdf
from app.signing.verify import status_line, verify_pdf_bytes
from tests.conftest import key_identity
from tests.unit.packages import write_source
from tests.unit.pdf_signing import BOX, make_pdf

ROOT = Path(__file__).resolve().parents[2]
LOCALE_VARIABLES = ("SECONDO_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def secondo(*args, lang: str, **extra_env) -> subprocess.CompletedProcess:
    """`python -m app ARGS` under the OS locale `lang` (no SECONDO_LANGUAGE: the OS decides)."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES} | {"LANG": lang} | extra_env
    return subprocess.run([sys.executable, "-m", "app", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def package(tmp_path_factory, pki_files) -> Path:
    """A small package for a passphrase, signed by the DEMO sender."""
    folder = tmp_path_factory.mktemp("package")
    source = write_source(folder / "src", {"documents/referral.pdf": b"%PDF-1.7 DEMO " * 100})
    out = folder / "dossier.sodp"
    env = {"P": "a dossier passphrase", "ID_PASS": DEMO_PASSPHRASE}
    os.environ.update(env)
    try:
        assert main(["pack", str(source), "-o", str(out), "--passphrase-env", "P", "--sign",
                     str(pki_files["sender.p12"]), "--sign-pass-env", "ID_PASS"]) == 0
    finally:
        for name in env:
            del os.environ[name]
    return out


class TestTheOsLocale:
    @pytest.mark.parametrize(("lang", "expected"), [
        ("nl_BE.UTF-8", "bestaat niet."), ("fr_BE.UTF-8", "n'existe pas."), ("nl_NL.UTF-8", "bestaat niet."),
        ("de_DE.UTF-8", "does not exist."), ("C.UTF-8", "does not exist.")])
    def test_an_error_reads_in_the_locale_language_with_the_same_exit_code(self, tmp_path, lang, expected):
        done = secondo("inspect", tmp_path / "missing.sodp", lang=lang)
        assert done.returncode == 3
        assert done.stderr == f"secondo: {tmp_path / 'missing.sodp'} {expected}\n"

    def test_secondo_language_overrides_the_locale(self, tmp_path):
        done = secondo("inspect", tmp_path / "missing.sodp", lang="nl_BE.UTF-8", SECONDO_LANGUAGE="fr")
        assert done.returncode == 3 and "n'existe pas" in done.stderr

    @pytest.mark.parametrize(("lang", "usage", "error"), [
        ("nl_BE.UTF-8", "gebruik: secondo", "secondo: fout: onbekende argumenten: --bogus"),
        ("fr_BE.UTF-8", "utilisation : secondo", "secondo : erreur : arguments non reconnus : --bogus"),
        ("de_DE.UTF-8", "usage: secondo", "secondo: error: unrecognized arguments: --bogus")])
    def test_argparse_words_follow_the_locale_and_exit_2(self, lang, usage, error):
        done = secondo("cases", "--bogus", lang=lang)
        assert done.returncode == 2
        assert done.stderr.startswith(usage) and error in done.stderr

    def test_help_is_translated_argparse_headings_included(self):
        done = secondo("trust", "list", "--help", lang="nl_BE.UTF-8")
        assert done.returncode == 0
        assert "gebruik: secondo trust list" in done.stdout
        assert "opties:" in done.stdout and "deze hulptekst tonen en afsluiten" in done.stdout
        assert "slechts één lijst (standaard: beide)" in done.stdout
        assert "show this help message" not in done.stdout

    def test_json_documents_keep_their_keys_and_coded_values_in_every_language(self, package):
        outputs = {lang: secondo("inspect", package, "--json", "--passphrase-env", "P", lang=lang,
                                 P="a dossier passphrase") for lang in ("en_GB.UTF-8", "nl_BE.UTF-8", "fr_BE.UTF-8")}
        assert {done.returncode for done in outputs.values()} == {0}
        documents = {lang: json.loads(done.stdout) for lang, done in outputs.items()}
        # Only the sentences written for a reader follow the language (docs/cli.md, "Language").
        reasons = {lang: document["signature"].pop("reason") for lang, document in documents.items()}
        assert documents["nl_BE.UTF-8"] == documents["en_GB.UTF-8"] == documents["fr_BE.UTF-8"]
        assert documents["en_GB.UTF-8"]["opened"] is True and documents["en_GB.UTF-8"]["signature"]["state"] == "untrusted"
        assert reasons["en_GB.UTF-8"] == "the signer's certificate does not chain to a trusted sender root"
        assert reasons["nl_BE.UTF-8"] != reasons["en_GB.UTF-8"]


class TestHumanOutput:
    def test_inspect_speaks_the_interface_language(self, package, capsys, monkeypatch, interface_language):
        monkeypatch.setenv("P", "a dossier passphrase")
        interface_language("nl")
        assert main(["inspect", str(package), "--passphrase-env", "P"]) == 0
        out = capsys.readouterr().out
        assert "SODP-pakket" in out and "Ontvangers:" in out and "wachtwoordzin (Argon2id" in out
        assert "geboren op 01/01/1970" in out
        assert "Recipients" not in out and "born" not in out


@pytest.fixture(scope="module")
def signed(pki) -> bytes:
    """A PDF signed with its stamp in French."""
    return sign_pdf(make_pdf(1), key_identity(pki.reviewer_rsa), box=BOX, language="fr").pdf


class TestSignatureWords:
    @pytest.mark.parametrize(("language", "words"), [
        ("en", "Signed by Dr. Test Reviewer (DEMO) on "), ("nl", "Ondertekend door Dr. Test Reviewer (DEMO) op "),
        ("fr", "Signé par Dr. Test Reviewer (DEMO) le ")])
    def test_the_summary_of_a_sound_signature(self, signed, pki, language, words):
        with in_language(language):
            state, line = status_line(verify_pdf_bytes(signed, [pki.root.certificate]))
        assert state == "valid" and line.startswith(words)

    @pytest.mark.parametrize(("language", "words"), [
        ("nl", "Niet ondertekend: de pdf bevat geen handtekening."),
        ("fr", "Non signé : le PDF ne contient aucune signature.")])
    def test_an_unsigned_pdf(self, language, words):
        with in_language(language):
            assert status_line(verify_pdf_bytes(make_pdf(1), [])) == ("invalid", words)

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
    def test_the_stamp_is_in_the_language_asked_for(self, signed, tmp_path):
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Signé numériquement par" in text and "Digitally signed" not in text


class TestDemoLanguage:
    def test_demo_lang_fr_prints_french_and_signs_the_demo_opinion(self, tmp_path, capsys, monkeypatch, pki):
        monkeypatch.setenv("SECONDO_LANGUAGE", "en")  # restored after the test: --lang sets it for the window
        out_dir = tmp_path / "demo"
        assert main(["demo", "--out", str(out_dir), "--ct-slices", "3", "--no-window", "--lang", "fr"]) == 0
        out = capsys.readouterr().out
        assert "Paquet du dossier DEMO (pas pour un usage clinique)" in out
        assert f"L'avis DEMO, signé : {out_dir / 'opinion-signed.pdf'}" in out
        assert os.environ["SECONDO_LANGUAGE"] == "fr"
        report = verify_pdf_bytes((out_dir / "opinion-signed.pdf").read_bytes(), [])
        assert len(report.signatures) == 1 and report.signatures[0].signer == "Dr. Test Reviewer (DEMO)"
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(out_dir / "opinion-signed.pdf"), "-"], capture_output=True,
                                  text=True, check=True).stdout
            assert "Deuxième avis" in text and "Signé numériquement par" in text and "Digitally signed" not in text
            assert "DEMO. Nodule solide de 9 mm" in text  # the DEMO reviewer writes in the letter's language
        assert main(["demo", "--out", str(out_dir), "--ct-slices", "3", "--no-window", "--lang", "fr"]) == 0
        capsys.readouterr()  # again: the case keeps its one signed opinion
        assert main(["opinion", "list", "--json", _case_id(capsys)]) == 0
        (opinion,) = json.loads(capsys.readouterr().out)["opinions"]
        assert opinion["language"] == "fr"

    def test_the_demo_contacts_languages(self, tmp_path, capsys):
        assert main(["demo", "--out", str(tmp_path / "demo"), "--ct-slices", "3", "--no-window"]) == 0
        capsys.readouterr()
        assert main(["contacts", "--json"]) == 0
        contacts = json.loads(capsys.readouterr().out)
        contacts = contacts.get("contacts", contacts) if isinstance(contacts, dict) else contacts
        languages = {c["role"]: c["language"] for c in contacts}
        # The GP reads Dutch; the treating physician's language is unknown, so the DEMO letter
        # is written in the interface language (`--lang`).
        assert languages == {"general_practitioner": "nl", "treating_physician": ""}


def _case_id(capsys) -> str:
    assert main(["cases", "--json"]) == 0
    (case,) = json.loads(capsys.readouterr().out)
    return case["case_id"]
