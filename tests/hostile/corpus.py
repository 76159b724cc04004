"""The registry of hostile cases: every `tests/hostile/*_cases.py` module exports
`cases(workdir) -> list[HostileCase]`, writing the files its cases name into `workdir`.

`python -m tests.hostile.corpus OUTDIR` writes the whole corpus into OUTDIR (one folder per
module) with `cases.json`, the list of cases (name, argv, expect, env).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import importlib
import json
from pathlib import Path
import sys

HERE = Path(__file__).resolve().parent

#: The passphrase every hostile package is encrypted to, given to the CLI in this variable.
PASSPHRASE_ENV = "SECONDO_HOSTILE_PASSPHRASE"
PASSPHRASE = "hostile corpus passphrase, not secret"


@dataclass
class HostileCase:
    """One run of the CLI on hostile input: `argv` (paths inside the corpus folder), the exit
    codes it may end with, and the extra environment it needs (e.g. PASSPHRASE_ENV)."""

    name: str
    argv: list[str]
    expect: set[int] = field(default_factory=lambda: {3, 4})
    env: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self) | {"expect": sorted(self.expect)}


def case_modules() -> list[str]:
    """The dotted names of every case module beside this one."""
    return [f"tests.hostile.{p.stem}" for p in sorted(HERE.glob("*_cases.py"))]


def generate(workdir: Path, modules: list[str] | None = None) -> list[HostileCase]:
    """Write the files of every case of `modules` (default: all) under `workdir`."""
    found: list[HostileCase] = []
    for dotted in modules or case_modules():
        module = importlib.import_module(dotted)
        folder = Path(workdir) / dotted.rsplit(".", 1)[-1]
        folder.mkdir(parents=True, exist_ok=True)
        found += module.cases(folder)
    names = [c.name for c in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"hostile case names used twice: {duplicates[:5]}")
    for case in found:
        if not case.expect <= {0, 3, 4}:
            raise ValueError(f"{case.name}: the CLI contract allows exit codes 0, 3 and 4 only")
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tests.hostile.corpus OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(argv[0]).resolve()
    cases = generate(outdir)
    (outdir / "cases.json").write_text(json.dumps([c.to_json() for c in cases], indent=1))
    print(f"{outdir}: {len(cases)} hostile cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
