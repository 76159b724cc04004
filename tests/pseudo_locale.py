"""A generated test language, "qps": every message of the catalogue template wrapped in ⟦ ⟧,
its letters accented and 40 % longer, its placeholders ({name}, %s, <b>, &mnemonics) kept.
A window run in it shows at once any text that does not go through gettext (no markers) and
any label too narrow for a longer language (the text clipped)."""

from __future__ import annotations

from pathlib import Path
import os
import re
import subprocess
import sys

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
OPEN, CLOSE = "⟦", "⟧"
_ACCENTS = str.maketrans("aeiouyAEIOUYcnCN", "áéîõüýÁÉÎÕÜÝçñÇÑ")
# What must stay as it is: format fields, printf fields, tags and entities, mnemonics, escapes.
_KEEP = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sdif%]|<[^>]*>|&[a-z]+;|&&|&(?=\w)|\\n|\n")


def pseudo(text: str) -> str:
    if not text:
        return text
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(text[last:match.start()].translate(_ACCENTS))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].translate(_ACCENTS))
    body = "".join(out)
    letters = sum(ch.isalpha() for ch in text)
    padding = "·" * max(1, round(letters * 0.4))
    return f"{OPEN}{body}{padding}{CLOSE}"


def build(locale_dir: Path) -> Path:
    """Extract the template afresh and write locale_dir/qps/LC_MESSAGES/secondo.mo."""
    pot = locale_dir / "secondo.pot"
    locale_dir.mkdir(parents=True, exist_ok=True)
    # pybabel of the Python running the tests (a worktree has no .venv of its own)
    env = dict(os.environ, SECONDO_VENV=os.environ.get("SECONDO_VENV") or sys.prefix)
    subprocess.run([str(ROOT / "scripts" / "i18n"), "extract", str(pot)], check=True, cwd=ROOT, env=env)
    with pot.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=None, domain="secondo")
    catalog.mime_headers = [("Content-Type", "text/plain; charset=utf-8"),
                            ("Plural-Forms", "nplurals=2; plural=(n != 1);")]
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            catalog.add(message.id, [pseudo(message.id[0]), pseudo(message.id[1])], context=message.context)
        else:
            catalog.add(message.id, pseudo(message.id), context=message.context)
    target = locale_dir / "qps" / "LC_MESSAGES" / "secondo.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_mo(handle, catalog)
    return target
