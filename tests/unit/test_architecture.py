"""Layering rules of DESIGN.md §2, checked on the source so they cannot rot."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


QT_RUNTIME = "viewers/qt_runtime.py"  # the one module that patches the binding, imported before any Qt call


def qt_allowed(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return (relative.startswith("app/ui/") or relative == QT_RUNTIME
            or (relative.startswith("viewers/") and path.stem.endswith("widget")))


ENTRY_POINTS = ("app/ui/", "app/commands/", "app/cli.py", "app/__main__.py")


def services_importing(package: str) -> list[str]:
    """Modules of app (but the UI and the command line) that import `package`."""
    return [str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py")
            if not p.relative_to(ROOT).as_posix().startswith(ENTRY_POINTS)
            and any(n == package or n.startswith(package + ".") for n in imports(p))]


def test_qt_is_imported_only_in_app_ui_and_viewer_widgets():
    offenders = [str(p.relative_to(ROOT)) for top in ("app", "viewers") for p in (ROOT / top).rglob("*.py")
                 if not qt_allowed(p) and any(n.split(".")[0] in QT_MODULES for n in imports(p))]
    assert offenders == []


def test_every_qt_module_loads_the_binding_fix_first():
    """PySide6 6.12.0 on Python 3.11 leaks references to None/True (viewers/qt_runtime.py);
    a Qt module that could be imported alone must apply the fix before using Qt."""
    missing = [str(p.relative_to(ROOT)) for top in ("viewers",) for p in (ROOT / top).rglob("*widget*.py")
               if "viewers.qt_runtime" not in imports(p)]
    assert missing == []
    assert "viewers.qt_runtime" in imports(ROOT / "app" / "ui" / "__init__.py")


def test_viewers_never_import_the_ui():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "viewers").rglob("*.py")
                 if any(n == "app.ui" or n.startswith("app.ui.") for n in imports(p))]
    assert offenders == []


def test_only_the_entry_points_import_the_ui():
    """The command line (app/cli.py, app/commands/) starts the window; services never do."""
    assert services_importing("app.ui") == []


def test_the_rule_detects_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtWidgets import QWidget\n")
    assert "PySide6.QtWidgets" in imports(bad)


def test_the_services_do_not_import_the_viewers():
    """app.* (but the UI and the command line) stays below the viewers: viewers may use app.core."""
    assert services_importing("viewers") == []


def test_viewers_use_only_the_core_of_app():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "viewers").rglob("*.py")
                 if any(n.startswith("app.") and not n.startswith(("app.core", "app.dossier.dicom_index",
                                                                    "app.dossier.content_type", "app.dossier.disc"))
                        for n in imports(p))]
    assert offenders == []
