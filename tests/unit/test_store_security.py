"""Nothing of the patient is on disk in clear after an import: not the name, birth date or
national number, not a sentence of a letter, in any encoding a search tool would try."""

import base64
import re


from app.cli import main
from app.demo import DEMO_PATIENT
from app.demo.letters import LETTERS, QUESTION
from app.demo.package import DEMO_DOSSIER_PASSPHRASE, build_demo_package
from tests.unit import discs


def needles() -> list[str]:
    letter_phrases = []
    for letter in LETTERS:
        for paragraph in letter.paragraphs[:3]:
            plain = re.sub(r"<[^>]+>", "", paragraph)
            words = plain.split()
            if len(words) >= 8:
                letter_phrases.append(" ".join(words[2:8]))
    national = DEMO_PATIENT["identifiers"][0]["value"]
    return ["Test^Patient", "TEST, Patient", "Patient", "1970-01-01", "19700101", "01-01-1970", "01/01/1970",
            national, re.sub(r"\D", "", national), QUESTION[:40], *letter_phrases]


def encodings(text: str) -> list[bytes]:
    forms = set()
    for variant in (text, text.upper(), text.lower()):
        for codec in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            try:
                forms.add(variant.encode(codec))
            except UnicodeEncodeError:
                pass
        raw = variant.encode("utf-8")
        for shift in range(3):  # base64 of the text at each alignment inside a larger stream
            encoded = base64.b64encode(b"\0" * shift + raw)[4 if shift else 0:-4]
            if len(encoded) >= 8:
                forms.add(encoded)
        forms.add(raw.hex().encode())
    return sorted(forms)


def test_the_data_folder_holds_no_patient_data_in_clear(tmp_path, isolated_home, monkeypatch, capsys):
    demo = build_demo_package(tmp_path / "demo", ct_slices=4, ct_size=64)
    monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
    assert main(["import", str(demo.package), "--passphrase-env", "DOSSIER_PASS"]) == 0
    assert main(["import", str(discs.make_cd(tmp_path / "cd", slices=2))]) == 0
    assert main(["cases"]) == 0 and "TEST, Patient" in capsys.readouterr().out  # it is all there...
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert len(files) > 20
    patterns = [(needle, form) for needle in needles() for form in encodings(needle)]
    assert len(patterns) > 100
    found = []
    for path in files:  # ...but only encrypted: index, audit, WAL, vault, keys
        data = path.read_bytes()
        found += [(path.name, needle) for needle, form in patterns if form in data]
    assert found == []


def test_the_check_would_find_patient_data_in_clear(tmp_path):
    leak = tmp_path / "leak.bin"
    leak.write_bytes(b"xx" + "TEST^PATIENT 19700101".encode("utf-16-le") + b"yy")
    data = leak.read_bytes()
    assert any(form in data for form in encodings("Test^Patient"))
    assert any(form in data for form in encodings("19700101"))
    assert any(form in b"..." + base64.b64encode(b"ab Patient zz") for form in encodings("Patient"))
