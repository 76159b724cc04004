"""Run in a child process: import a package into a fresh data folder; print seconds and peak MB."""

import sys
import time
from pathlib import Path

import keyring

from app.dossier.importer import DossierImporter
from app.crypto.stanzas import Passphrase
from app.store.store import CaseStore
from tests.benchmarks.read_peak_memory import peak_resident_mb
from tests.memory_keyring import MemoryKeyring


def main(package: str, home: str, passphrase: str) -> None:
    keyring.set_keyring(MemoryKeyring())
    started = time.perf_counter()
    with CaseStore.open(Path(home)) as store:
        DossierImporter(store, [Passphrase(passphrase)]).run([Path(package)])
    print(f"{time.perf_counter() - started:.3f} {peak_resident_mb():.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
