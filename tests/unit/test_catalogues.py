"""The Dutch and French catalogues are complete: every string of the code (extracted afresh
here, as scripts/i18n does) is translated, none is fuzzy or obsolete, and each translation
keeps its message's placeholders, so that no reader ever meets English or a broken '{name}'."""

from __future__ import annotations

from pathlib import Path
import re
import subprocess

from babel.messages.pofile import read_po
import pytest

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("nl", "fr")
_FIELD = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sd]")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "secondo.pot"
    subprocess.run([str(ROOT / "scripts" / "i18n"), "extract", str(pot)], check=True, cwd=ROOT)
    with pot.open("rb") as handle:
        return read_po(handle)


def _catalogue(language: str):
    with (I18N / language / "LC_MESSAGES" / "secondo.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _key(message):
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def _ids(catalog) -> set:
    return {_key(m) for m in catalog if m.id}


def _show(keys, limit=15) -> str:
    shown = sorted(repr(k[1]) for k in keys)
    return "\n".join(shown[:limit]) + (f"\n... and {len(shown) - limit} more" if len(shown) > limit else "")


def test_the_template_holds_the_interface_strings(template):
    ids = _ids(template)
    assert len(ids) > 1000  # the whole application, not an empty extraction
    assert (None, "The passphrase is wrong.") in ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_code_is_in_the_catalogue(template, language):
    missing = _ids(template) - _ids(_catalogue(language))
    assert not missing, f"not in {language}/secondo.po (run scripts/i18n update, then translate):\n{_show(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_obsolete_entry(template, language):
    catalog = _catalogue(language)
    stale = (_ids(catalog) - _ids(template)) | {_key(m) for m in catalog.obsolete.values()}
    assert not stale, f"obsolete in {language}/secondo.po (run scripts/i18n update):\n{_show(stale)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_fuzzy(language):
    catalog = _catalogue(language)
    fuzzy = {_key(m) for m in catalog if m.id and m.fuzzy}
    empty = {_key(m) for m in catalog if m.id and not all(
        m.string if isinstance(m.string, tuple | list) else [m.string])}
    assert not fuzzy, f"fuzzy in {language}/secondo.po:\n{_show(fuzzy)}"
    assert not empty, f"untranslated in {language}/secondo.po:\n{_show(empty)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    wrong = []
    for m in _catalogue(language):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = sorted(set(_FIELD.findall(ids[-1])) | set(_FIELD.findall(ids[0])))
        for text in strings:
            if text and sorted(set(_FIELD.findall(text))) != wanted and not (
                    len(ids) == 2 and set(_FIELD.findall(text)) <= set(wanted)):
                wrong.append((None, f"{ids[0]!r} -> {text!r}"))
    assert not wrong, f"placeholders changed in {language}/secondo.po:\n{_show(wrong)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_answers_in_its_language(language):
    from app.core import i18n
    i18n.translation.cache_clear()
    try:
        with i18n.in_language(language):
            assert i18n._("The passphrase is wrong.") != "The passphrase is wrong."
    finally:
        i18n.translation.cache_clear()
