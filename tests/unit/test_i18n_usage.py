"""How the code calls gettext, checked over app/ and viewers/ so that the catalogues can do
their work: a message translated at import time would stay in the language of the moment
(English, before the interface language is chosen), an f-string cannot be looked up in a
catalogue, and two translated fragments glued together are no sentence in another language."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GETTEXT = {"_", "ngettext", "pgettext"}


def _sources():
    for folder in ("app", "viewers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_gettext(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute) and (
        getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in GETTEXT


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def _import_time_calls(tree: ast.Module):
    """gettext calls that run when the module is imported: at module level, in class bodies,
    in default argument values and decorators."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            pending.extend(arguments.defaults + [d for d in arguments.kw_defaults if d is not None])
            pending.extend(getattr(node, "decorator_list", []))
            continue
        if _is_gettext(node):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def test_no_message_is_translated_at_import_time():
    found = [_where(path, call) for path, tree in _sources() for call in _import_time_calls(tree)]
    assert not found, "mark with N_() and translate where shown:\n" + "\n".join(found)


def test_no_f_string_is_handed_to_gettext():
    found = [_where(path, node) for path, tree in _sources() for node in ast.walk(tree)
             if _is_gettext(node) and any(isinstance(arg, ast.JoinedStr) for arg in node.args)]
    assert not found, "use a literal with {named} fields and .format():\n" + "\n".join(found)


def test_no_two_translated_fragments_are_glued():
    def translated(node: ast.AST) -> bool:
        return _is_gettext(node) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                                     and node.func.attr == "format" and _is_gettext(node.func.value))
    found = [_where(path, node) for path, tree in _sources() for node in ast.walk(tree)
             if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
             and translated(node.left) and translated(node.right)]
    assert not found, "write the whole sentence as one message:\n" + "\n".join(found)


def test_the_checks_see_what_they_look_for(tmp_path):
    tree = ast.parse("X = _('a')\nclass A:\n    y = _('b')\ndef f(z=_('c')):\n    return _('d') + _('e')\n")
    assert len(list(_import_time_calls(tree))) == 3
