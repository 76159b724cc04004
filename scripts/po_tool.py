"""Work on the gettext catalogues beside pybabel (called by scripts/i18n):

  po_tool.py todo LANG [PATH...]   the untranslated (or fuzzy) messages of LANG, optionally only
                                   those used in files under PATHs, as JSON {msgid: ""} to fill in
  po_tool.py fill LANG FILE.json   write the translations of FILE.json ({msgid: msgstr, or for a
                                   plural {msgid: [form0, form1]}; "ctx\\x04msgid" for a context})
  po_tool.py merge BASE OURS THEIRS  git's merge driver for *.po (.gitattributes): the union of
                                   both sides' translations, so that two changes translating
                                   different messages never conflict
"""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
import tempfile

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _write(catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=None, sort_output=True, no_location=True, ignore_obsolete=True)


def _po(language: str) -> Path:
    return I18N / language / "LC_MESSAGES" / "secondo.po"


def _key(message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}\x04{msgid}" if message.context else msgid


def _done(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return bool(message.id) and all(strings) and not message.fuzzy


def todo(language: str, paths: list[str]) -> None:
    catalog = _read(_po(language), language)
    wanted = None
    if paths:
        with tempfile.TemporaryDirectory() as folder:
            pot = Path(folder) / "located.pot"
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(I18N / "babel.cfg"), "--no-wrap",
                            "-o", str(pot), "app", "viewers"], check=True, cwd=ROOT)
            located = _read(pot)
        wanted = {_key(m) for m in located if m.id and any(
            any(f.startswith(p.rstrip("/")) for p in paths) for f, _line in m.locations)}
    out = {}
    for message in catalog:
        if not message.id or _done(message) or (wanted is not None and _key(message) not in wanted):
            continue
        out[_key(message)] = ["", ""] if not isinstance(message.id, str) else ""
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


def _complete_plurals(catalog) -> None:
    """Give a plural message every form its language has: French has three in CLDR (one, many
    for round millions, other); a translator's two forms are one and other, and 'many' reads
    as 'other' ("1 000 000 fichiers")."""
    for message in catalog:
        if not message.id or isinstance(message.id, str):
            continue
        forms = list(message.string) if isinstance(message.string, tuple | list) else [message.string]
        if not any(forms):
            continue
        given = [f for f in forms if f]
        forms += [""] * (catalog.num_plurals - len(forms))
        message.string = tuple(f or given[-1] for f in forms)


def fill(language: str, source: str) -> None:
    path = _po(language)
    catalog = _read(path, language)
    given = json.loads(Path(source).read_text(encoding="utf-8"))
    unknown = []
    for key, value in given.items():
        context, _sep, msgid = key.rpartition("\x04")
        message = next((m for m in catalog if m.id and _key(m) == key), None)
        if message is None:
            unknown.append(msgid)
            continue
        if not value:
            continue
        message.string = tuple(value) if isinstance(value, list) else value
        message.flags.discard("fuzzy")
    _complete_plurals(catalog)
    _write(catalog, path)
    if unknown:
        print(f"not in the catalogue (run scripts/i18n update?): {unknown[:10]}", file=sys.stderr)


def merge(base: str, ours: str, theirs: str) -> int:
    old, mine, other = _read(Path(base)), _read(Path(ours)), _read(Path(theirs))
    old_keys = {_key(m): m for m in old if m.id}
    other_keys = {_key(m): m for m in other if m.id}
    for key, message in other_keys.items():
        mine_message = mine.get(message.id, message.context)
        if mine_message is None:
            if key in old_keys:  # dropped on our side (obsolete): it stays dropped
                continue
            mine[message.id] = message  # added on their side (Catalog keys it by its own context)
            continue
        base_message = old_keys.get(key)
        if _done(message) and (not _done(mine_message) or (
                base_message is not None and mine_message.string == base_message.string)):
            mine_message.string = message.string
            mine_message.flags.discard("fuzzy")
    for message in list(mine):  # dropped on their side (obsolete): dropped here too
        if message.id and _key(message) in old_keys and _key(message) not in other_keys:
            mine.delete(message.id, message.context)
    _write(mine, Path(ours))
    return 0


if __name__ == "__main__":
    verb, *rest = sys.argv[1:] or ["help"]
    if verb == "todo":
        todo(rest[0], rest[1:])
    elif verb == "fill":
        fill(rest[0], rest[1])
    elif verb == "merge":
        sys.exit(merge(*rest[:3]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
