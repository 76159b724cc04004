"""`secondo demo`: build the demo dossier package and show it (the window comes later)."""

import argparse
from pathlib import Path
import tempfile

from app.core.i18n import _


def add_parsers(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help=_("build the DEMO dossier package and inspect it"))
    demo.add_argument("--out", metavar="DIR", help=_("where to write the demo files"))
    demo.add_argument("--ct-slices", type=int, default=200, help=argparse.SUPPRESS)
    demo.set_defaults(handler=run_demo)


def run_demo(args) -> int:
    from app.demo.package import build_demo_package
    from app.commands.package import inspect_json, render_inspect
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="secondo-demo-"))
    built = build_demo_package(out, ct_slices=args.ct_slices)
    print(_("DEMO dossier package (not for clinical use): {path}").format(path=built.package))
    print(_("Opened with the DEMO reviewer identity {p12}:").format(p12=built.reviewer_p12))
    print(render_inspect(inspect_json(built.package, [built.reviewer_identity()], [built.root])))
    return 0
