"""Each reader's language: the SODP manifest's optional BCP 47 `language` (patient, persons),
the default language of a case's opinion (the treating physician's from the dossier, else from
the address book, else the interface's), kept in the draft and with each signed opinion (an
addendum keeps it), and the cover letter, passphrase sheet and README of an outgoing package
in each recipient's language, `outgoing --lang` and `opinion export --lang` overriding it.

The letters are read back with pdftotext. Their words come from the gettext catalogues: the
`reader_catalogues` fixture compiles the repository's nl and fr catalogues into a folder of its
own, giving the few probe messages below a translation when the catalogue has none yet, so the
tests check where a letter's language comes from, whatever the state of the translations."""

from __future__ import annotations

import copy
import json
from pathlib import Path
import shutil
import subprocess

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
import pytest

from app.core import i18n
from app.core.errors import BadInputError, ManifestError
from app.dossier import manifest as manifest_mod
from app.outgoing.address_book import AddressBook, Contact
from app.outgoing.languages import (FROM_ADDRESS_BOOK, FROM_DOSSIER, FROM_INTERFACE, default_opinion_language,
                                    recipient_language)
from app.outgoing.package import OutgoingRequest, make_outgoing
from app.outgoing.recipients import Recipient, consented_recipients, person
from app.signoff.language import letter_language, with_language, written_in
from app.signoff.signing import questionnaire_for, sign_opinion, start_addendum
from app.store.drafts import DraftStore
from app.store.opinions import SignedOpinionStore
from app.store.store import CaseStore
from tests.unit.test_outgoing import demo, organisation, signed_case  # noqa: F401 - fixtures
from tests.unit.test_verify_cli import secondo

ROOT = Path(__file__).resolve().parents[2]
OPEN_IT = "Open it with a Second-O workstation (File ▸ Import)."
#: Messages of the letters used as probes, with a translation used only when the catalogue
#: has none yet.
PROBES = {
    "nl": {"Open it with a Second-O workstation (File ▸ Import).": "Open het met een Second-O-werkstation.",
           "Open it with a Second-O workstation (File ▸ Import); the README.TXT on the CD says how.":
               "Open het met een Second-O-werkstation; de README.TXT op de cd legt uit hoe.",
           "Our reference: case {ref}": "Onze referentie: dossier {ref}",
           "Passphrase of a Second-O package": "Wachtwoordzin van een Second-O-pakket",
           "Question asked": "Gestelde vraag",
           "To open it:": "Zo opent u het:"},
    "fr": {"Open it with a Second-O workstation (File ▸ Import).": "Ouvrez-le avec un poste Second-O.",
           "Open it with a Second-O workstation (File ▸ Import); the README.TXT on the CD says how.":
               "Ouvrez-le avec un poste Second-O ; le README.TXT du CD explique comment.",
           "Our reference: case {ref}": "Notre référence : dossier {ref}",
           "Passphrase of a Second-O package": "Phrase secrète d'un paquet Second-O",
           "Question asked": "Question posée",
           "To open it:": "Pour l'ouvrir :"},
}


@pytest.fixture
def reader_catalogues(tmp_path, monkeypatch):
    """The nl and fr catalogues compiled into their own folder; returns `said(language, msgid)`,
    the words a letter in that language must hold."""
    folder = tmp_path / "i18n"
    for language, probes in PROBES.items():
        with (ROOT / "resources" / "i18n" / language / "LC_MESSAGES" / "secondo.po").open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for msgid, fallback in probes.items():
            message = catalog.get(msgid)
            if message is None:
                catalog.add(msgid, fallback)
            elif not message.string or message.fuzzy:
                message.string, message.flags = fallback, set()
        target = folder / language / "LC_MESSAGES" / "secondo.mo"
        target.parent.mkdir(parents=True)
        with target.open("wb") as handle:
            write_mo(handle, catalog)
    monkeypatch.setenv("SECONDO_LOCALE_DIR", str(folder))
    i18n.translation.cache_clear()

    def said(language: str, msgid: str) -> str:
        with i18n.in_language(language):
            text = i18n._(msgid)
        assert text != msgid, f"no {language} translation of {msgid!r}"
        return " ".join(text.split())

    yield said
    i18n.translation.cache_clear()


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def words(said, language: str, msgid: str, **values) -> str:
    return said(language, msgid).format(**values) if values else said(language, msgid)


# -- the manifest ----------------------------------------------------------------------------------


def _manifest(**patient_extra) -> dict:
    return {"format": "sodp-manifest/1", "dossier_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "created": "2026-11-20T14:03:00Z",
            "patient": {"family_name": "Patient", "given_names": "Test", "birth_date": "1970-01-01", **patient_extra},
            "referral": {"question": "Surgery or surveillance?",
                         "treating_physician": {"name": "Dr. Test Treating", "language": "nl-BE"},
                         "consented_recipients": ["treating_physician", "patient"]},
            "documents": [], "imaging": []}


class TestManifestLanguage:
    @pytest.mark.parametrize("tag", ["fr-BE", "nl-BE", "nl-NL", "fr", "en", "de-CH-1996", "zh-Hant-TW"])
    def test_a_bcp47_language_of_the_patient_and_a_person_validates(self, tag):
        manifest = _manifest(language=tag)
        manifest["referral"]["general_practitioner"] = {"name": "Dr. Test GP", "language": tag}
        assert manifest_mod.validate(manifest, require_hashes=False)["patient"]["language"] == tag

    def test_a_manifest_without_any_language_is_still_valid_v1(self):
        manifest = _manifest()
        del manifest["referral"]["treating_physician"]["language"]
        assert manifest_mod.validate(manifest, require_hashes=False) is manifest
        manifest["patient"]["language"] = None  # null is "not known", like absent
        manifest_mod.validate(manifest, require_hashes=False)

    @pytest.mark.parametrize("tag", ["Dutch", "nl_BE", "nl-", "", "fr-BE-", 31, "nederlands-belgië"])
    def test_an_invalid_tag_is_refused_naming_the_key(self, tag):
        manifest = _manifest()
        manifest["referral"]["treating_physician"]["language"] = tag
        with pytest.raises(ManifestError) as caught:
            manifest_mod.validate(manifest, require_hashes=False)
        assert "referral.treating_physician.language" in str(caught.value)
        assert "BCP 47" in str(caught.value)
        with pytest.raises(ManifestError, match=r"patient\.language"):
            manifest_mod.validate(_manifest(language=tag), require_hashes=False)

    def test_the_recipients_carry_the_manifests_languages(self):
        record = {"manifest": _manifest(language="fr-BE")}
        by_role = {r.role: r.language for r in consented_recipients(record)}
        assert by_role == {"treating_physician": "nl-BE", "patient": "fr-BE"}


# -- the opinion's default language ----------------------------------------------------------------


class _Book:
    """An address book of one contact, matched as AddressBook.for_recipient matches."""

    def __init__(self, contact: Contact) -> None:
        self.contact = contact

    def for_recipient(self, recipient: Recipient):
        same = recipient.role == self.contact.role and recipient.name == self.contact.name
        return self.contact if same else None


class TestDefaultOpinionLanguage:
    def test_the_manifests_treating_physician_language(self, interface_language):
        interface_language("fr")
        found = default_opinion_language({"manifest": _manifest()})
        assert (found.tag, found.source) == ("nl-BE", FROM_DOSSIER)

    def test_else_the_address_book_contact_of_the_treating_physician(self, interface_language):
        interface_language("nl")
        manifest = _manifest()
        del manifest["referral"]["treating_physician"]["language"]
        book = _Book(Contact("Dr. Test Treating", "treating_physician", language="fr-BE"))
        found = default_opinion_language({"manifest": manifest}, book)
        assert (found.tag, found.source) == ("fr-BE", FROM_ADDRESS_BOOK)
        other = _Book(Contact("Dr. Someone Else", "treating_physician", language="fr-BE"))
        assert default_opinion_language({"manifest": manifest}, other).source == FROM_INTERFACE

    def test_else_the_interface_language(self, interface_language):
        interface_language("fr")
        manifest = _manifest()
        manifest["referral"]["treating_physician"]["language"] = "de-BE"  # known, but not a letters' language
        found = default_opinion_language({"manifest": manifest}, _Book(Contact("Nobody", "patient")))
        assert (found.tag, found.source) == ("fr", FROM_INTERFACE)

    def test_the_case_sheet_language_wins_over_the_package(self):
        record = {"manifest": _manifest(), "sheet": {"referral": {"treating_physician": {"language": "fr"}}}}
        assert default_opinion_language(record).tag == "fr"

    def test_the_real_address_book_matches_the_dossiers_treating_physician(self, signed_case):
        store, case_id = signed_case
        record = store.record(case_id)
        treating = person(record, "treating_physician")
        assert treating.name
        AddressBook(store).save(Contact(treating.name, "treating_physician", treating.registration, language="nl-NL"))
        if treating.language:  # the demo dossier names a language: the dossier's wins
            assert default_opinion_language(record, AddressBook(store)).source == FROM_DOSSIER
        else:
            assert default_opinion_language(record, AddressBook(store)).tag == "nl-NL"

    def test_the_sign_dialogs_sentence(self, interface_language):
        assert written_in("nl-BE") == "The opinion will be written in Dutch."
        assert written_in("fr") == "The opinion will be written in French."


# -- kept in the draft, with the signed opinion, by the addendum ------------------------------------


class TestKept:
    def test_the_draft_keeps_its_language_across_a_reopen(self, signed_case, isolated_home):
        store, case_id = signed_case
        other = "another-case"
        DraftStore(store).save(other, {"resourceType": "QuestionnaireResponse", "status": "in-progress",
                                       "language": "fr-BE", "item": []})
        with CaseStore.open(isolated_home) as reopened:
            assert DraftStore(reopened).language(other) == "fr-BE"
            assert DraftStore(reopened).load(other)["language"] == "fr-BE"

    def test_the_signed_opinion_records_it_and_the_addendum_keeps_it(self, signed_case, demo, reader_catalogues,
                                                                     tmp_path):
        store, case_id = signed_case
        opinions = SignedOpinionStore(store)
        first = opinions.list(case_id)[0]
        assert first.language  # signed before any choice: the default (the interface's, English) is recorded
        draft = start_addendum(DraftStore(store).load(case_id))
        draft = with_language(draft, "fr-BE")  # the reviewer changes it for the addendum
        from app.opinion.prefill import bind
        from app.opinion.questionnaire import set_answer
        q = bind(questionnaire_for(draft), store.record(case_id))
        set_answer(q, draft, "answer", "Resection after all.")
        result = sign_opinion(store, case_id, draft, demo.reviewer_identity())
        assert result.opinion.language == "fr-BE" and result.response["language"] == "fr-BE"
        (tmp_path / "a1.pdf").write_bytes(result.pdf)
        assert reader_catalogues("fr", "Question asked") in pdf_text(tmp_path / "a1.pdf")
        # The visible signature stamp speaks the letter's language too, not the interface's (English here).
        stamp = reader_catalogues("fr", "Digitally signed by\n%(signer)s\nDate: %(ts)s\nPAdES, see the signature panel")
        assert stamp.split("%(signer)s")[0].strip() in pdf_text(tmp_path / "a1.pdf")
        assert "Digitally signed" not in pdf_text(tmp_path / "a1.pdf")
        # The next addendum starts from the signed response: French again, without choosing.
        second = start_addendum(DraftStore(store).load(case_id))
        assert second["language"] == "fr-BE"
        # An addendum draft that names no language (an older draft) keeps the signed opinion's.
        del second["language"]
        set_answer(q, second, "answer", "Resection after all, within three months.")
        again = sign_opinion(store, case_id, second, demo.reviewer_identity())
        assert again.opinion.language == "fr-BE"
        assert [o.language for o in opinions.list(case_id)] == [first.language, "fr-BE", "fr-BE"]

    def test_a_change_of_language_alone_is_an_addendum(self, signed_case, demo):
        store, case_id = signed_case
        draft = with_language(start_addendum(DraftStore(store).load(case_id)), "nl")
        assert sign_opinion(store, case_id, draft, demo.reviewer_identity()).opinion.language == "nl"
        unchanged = start_addendum(DraftStore(store).load(case_id))
        with pytest.raises(BadInputError, match="Nothing changed since"):
            sign_opinion(store, case_id, unchanged, demo.reviewer_identity())

    def test_the_letters_language_falls_back_to_the_interface(self, interface_language):
        interface_language("nl")
        assert letter_language({"language": "de"}) == "nl"
        assert letter_language({}, "fr-BE") == "fr"
        assert letter_language({"language": "en-GB"}) == "en"


# -- the outgoing package in each recipient's language ----------------------------------------------


def _package(store, case_id, demo, out: Path, role: str, recipient: Recipient | None = None, **request):
    return make_outgoing(store, case_id, OutgoingRequest(role, recipient=recipient, **request), organisation(demo), out)


class TestOutgoingLanguages:
    def test_a_dutch_recipient_gets_a_dutch_cover_letter_and_a_french_one_a_french(self, signed_case, demo,
                                                                                    reader_catalogues, tmp_path):
        store, case_id = signed_case
        by_role = {r.role: r for r in consented_recipients(store.record(case_id))}
        treating = copy.copy(by_role["treating_physician"])
        treating.language = "nl-BE"
        patient = copy.copy(by_role["patient"])
        patient.language = "fr-BE"
        nl = _package(store, case_id, demo, tmp_path / "nl", "treating_physician", treating)
        fr = _package(store, case_id, demo, tmp_path / "fr", "patient", patient)
        ref = case_id[:8]
        nl_text, fr_text = pdf_text(nl.cover_letter), pdf_text(fr.cover_letter)
        assert reader_catalogues("nl", OPEN_IT) in nl_text
        assert words(reader_catalogues, "nl", "Our reference: case {ref}", ref=ref) in nl_text
        assert reader_catalogues("fr", OPEN_IT) in fr_text
        assert OPEN_IT not in nl_text and OPEN_IT not in fr_text
        assert (nl.language, fr.language) == ("nl-BE", "fr-BE")
        assert nl.shipment.language == "nl-BE"
        # The passphrase sheet follows the recipient too.
        assert fr.passphrase_sheet is not None
        assert reader_catalogues("fr", "Passphrase of a Second-O package") in pdf_text(fr.passphrase_sheet)

    def test_the_address_book_contacts_language_and_the_cd_readme(self, signed_case, demo, reader_catalogues,
                                                                  tmp_path):
        store, case_id = signed_case
        treating = next(r for r in consented_recipients(store.record(case_id)) if r.role == "treating_physician")
        contact = AddressBook(store).save(Contact(treating.name, "treating_physician", treating.registration,
                                                  language="nl-NL"))
        result = _package(store, case_id, demo, tmp_path / "cd", "treating_physician", contact.recipient(),
                          form="folder")
        readme = (result.output / "README.TXT").read_text(encoding="utf-8")
        assert reader_catalogues("nl", "To open it:") in " ".join(readme.split())
        assert "To open it:" not in readme
        cd_open = "Open it with a Second-O workstation (File ▸ Import); the README.TXT on the CD says how."
        assert reader_catalogues("nl", cd_open) in pdf_text(result.cover_letter)

    def test_the_request_language_overrides_the_recipients(self, signed_case, demo, reader_catalogues, tmp_path):
        store, case_id = signed_case
        treating = next(r for r in consented_recipients(store.record(case_id)) if r.role == "treating_physician")
        treating.language = "nl-BE"
        result = _package(store, case_id, demo, tmp_path / "o", "treating_physician", treating, language="fr")
        assert result.language == "fr"
        assert reader_catalogues("fr", OPEN_IT) in pdf_text(result.cover_letter)

    def test_the_recipients_language_order(self):
        someone = Recipient("patient", "Test Patient", language="fr-BE")
        assert recipient_language(someone) == "fr-BE"
        assert recipient_language(someone, "nl") == "nl"
        assert recipient_language(Recipient("patient", "Test Patient"), None, "nl-BE") == "nl-BE"
        assert recipient_language(Recipient("patient", "Test Patient", language="de"), None, "fr") == "fr"


# -- the command line --------------------------------------------------------------------------------


class TestCommandLine:
    def test_outgoing_lang_fr_overrides_a_dutch_contact(self, signed_case, demo, reader_catalogues, tmp_path,
                                                        capsys, monkeypatch):
        store, case_id = signed_case
        treating = next(r for r in consented_recipients(store.record(case_id)) if r.role == "treating_physician")
        AddressBook(store).save(Contact(treating.name, "treating_physician", treating.registration, language="nl-BE"))
        from app.demo.pki import DEMO_PASSPHRASE
        monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
        monkeypatch.setenv("PKG_PASS", "TEST-PACKAGE-PASSPHRASE")
        common = ("--to", "treating_physician", "--passphrase-env", "PKG_PASS",
                  "--sign", demo.pki_files["workstation.p12"], "--sign-pass-env", "ORG_PASS", "--json")
        rc, out, err = secondo(capsys, "outgoing", case_id, "-o", tmp_path / "own", *common)
        assert rc == 0, err
        own = json.loads(out)
        assert own["language"] == "nl-BE"
        assert reader_catalogues("nl", OPEN_IT) in pdf_text(Path(own["cover_letter"]))
        rc, out, err = secondo(capsys, "outgoing", case_id, "-o", tmp_path / "fr", "--lang", "fr", *common)
        assert rc == 0, err
        made = json.loads(out)
        assert made["language"] == "fr"
        assert reader_catalogues("fr", OPEN_IT) in pdf_text(Path(made["cover_letter"]))

    def test_outgoing_lang_takes_only_our_languages(self, signed_case, capsys, tmp_path):
        _store, case_id = signed_case
        with pytest.raises(SystemExit) as caught:
            secondo(capsys, "outgoing", case_id, "--to", "patient", "-o", tmp_path, "--lang", "de")
        assert caught.value.code == 2

    def test_contacts_add_keeps_a_language_and_refuses_a_non_tag(self, signed_case, capsys):
        rc, out, err = secondo(capsys, "contacts", "add", "--name", "Dr. Test GP", "--role", "general_practitioner",
                               "--language", "fr-BE", "--json")
        assert rc == 0, err
        assert json.loads(out)["language"] == "fr-BE"
        rc, out, _err = secondo(capsys, "contacts", "--json")
        assert [c["language"] for c in json.loads(out)["contacts"]] == ["fr-BE"]
        rc, _out, err = secondo(capsys, "contacts", "add", "--name", "Dr. Test GP", "--role", "general_practitioner",
                                "--language", "Frans")
        assert rc == 3 and "not a language tag" in err

    def test_opinion_export_lang_writes_the_preview_in_that_language(self, signed_case, reader_catalogues, tmp_path,
                                                                     capsys):
        store, case_id = signed_case
        draft = start_addendum(DraftStore(store).load(case_id))
        DraftStore(store).save(case_id, with_language(draft, "nl-BE"))
        rc, _out, err = secondo(capsys, "opinion", "export", case_id, "-o", tmp_path / "nl.pdf")
        assert rc == 0, err
        assert reader_catalogues("nl", "Question asked") in pdf_text(tmp_path / "nl.pdf")
        rc, _out, err = secondo(capsys, "opinion", "export", case_id, "-o", tmp_path / "fr.pdf", "--lang", "fr")
        assert rc == 0, err
        assert reader_catalogues("fr", "Question asked") in pdf_text(tmp_path / "fr.pdf")
        assert DraftStore(store).language(case_id) == "nl-BE"  # a preview changes no draft

    def test_opinion_list_json_gives_each_opinions_language(self, signed_case, capsys):
        _store, case_id = signed_case
        rc, out, err = secondo(capsys, "opinion", "list", case_id, "--json")
        assert rc == 0, err
        assert all(o["language"] for o in json.loads(out)["opinions"])
