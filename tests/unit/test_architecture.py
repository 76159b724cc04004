"""Layering rules of docs/ARCHITECTURE.md ("Layers") that import-linter cannot express,
checked on the source so they cannot rot (the contracts themselves: tests/unit/test_gates.py)."""

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


QT_RUNTIME = "viewers/qt_runtime.py"  # the one module that patches the binding; viewers/__init__.py installs it


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


def installs_the_binding_fix(path: Path) -> bool:
    """`qt_runtime.install()` runs when the module is imported (a call at its top level)."""
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "install" and \
                    isinstance(func.value, ast.Name) and func.value.id == "qt_runtime":
                return "viewers.qt_runtime" in imports(path)
    return False


def test_every_qt_module_loads_the_binding_fix_first():
    """PySide6 6.12.0 on Python 3.11 leaks references to None/True (viewers/qt_runtime.py);
    a Qt module that could be imported alone must have the fix applied before it uses Qt.
    Qt is allowed only in app/ui and in viewers (see qt_allowed), and both packages install
    the fix when they are imported, before any of their modules runs."""
    assert installs_the_binding_fix(ROOT / "viewers" / "__init__.py")
    assert installs_the_binding_fix(ROOT / "app" / "ui" / "__init__.py")
    qt_modules = [p.relative_to(ROOT).as_posix() for top in ("app", "viewers") for p in (ROOT / top).rglob("*.py")
                  if any(n.split(".")[0] in QT_MODULES for n in imports(p))]
    assert qt_modules and all(m.startswith(("app/ui/", "viewers/")) for m in qt_modules)


def test_the_fix_rule_detects_a_package_that_does_not_install_it(tmp_path):
    bare = tmp_path / "bare.py"
    bare.write_text("from viewers import qt_runtime\n")
    installed = tmp_path / "installed.py"
    installed.write_text("from viewers import qt_runtime\n\nqt_runtime.install()\n")
    assert not installs_the_binding_fix(bare) and installs_the_binding_fix(installed)


def test_viewers_never_import_the_ui():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "viewers").rglob("*.py")
                 if any(n == "app.ui" or n.startswith("app.ui.") for n in imports(p))]
    assert offenders == []


def test_the_ui_never_imports_the_commands():
    """app.ui and app.commands are siblings on top of the layers: the command line may start
    the window, the window never reaches into the command line (even lazily)."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "app" / "ui").rglob("*.py")
                 if any(n == "app.commands" or n.startswith("app.commands.") for n in imports(p))]
    assert offenders == []


def module_level_imports(path: Path) -> set[str]:
    """What importing `path` imports at once: its statements outside functions and classes."""
    names: set[str] = set()
    pending = list(ast.parse(path.read_text(), str(path)).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pending.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
    return names


def test_the_command_line_imports_the_ui_only_inside_the_verbs_that_start_it():
    """`gui`, `view` and `demo` start the window from inside their handlers: loading the
    command line (every other verb, `--help`) loads no window and no Qt."""
    commands = [ROOT / "app" / "cli.py", *(ROOT / "app" / "commands").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in commands
                 if any(n == "app.ui" or n.startswith("app.ui.") for n in module_level_imports(p))]
    assert offenders == []
    starters = [p.stem for p in commands if any(n.startswith("app.ui.") for n in imports(p))]
    assert sorted(starters) == ["demo", "gui", "view"]


def test_the_lazy_import_rule_sees_a_module_level_import(tmp_path):
    module = tmp_path / "verb.py"
    module.write_text("try:\n    from app.ui.app_main import run_gui\nexcept ImportError:\n    pass\n\n"
                      "def run(args):\n    from app.ui.viewer_window import run_viewer\n")
    assert module_level_imports(module) == {"app.ui.app_main"}


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
