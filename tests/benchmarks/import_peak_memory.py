"""Run in a child process: import a package into a fresh data folder; print seconds and peak MB.

`python -m tests.benchmarks.import_peak_memory PACKAGE HOME PASSPHRASE` or
`... PACKAGE HOME --identity ID.p12 P12_PASSPHRASE`."""

import sys
import time
from pathlib import Path

import keyring

from app.dossier.importer import DossierImporter
from app.crypto.stanzas import Passphrase
from app.store.store import CaseStore
from tests.benchmarks.read_peak_memory import peak_resident_mb
from tests.memory_keyring import MemoryKeyring


def main(package: str, home: str, *secret: str) -> None:
    keyring.set_keyring(MemoryKeyring())
    if secret[0] == "--identity":
        from app.signing.identities import load_pkcs12

        credentials = [load_pkcs12(Path(secret[1]), secret[2])]
    else:
        credentials = [Passphrase(secret[0])]
    started = time.perf_counter()
    with CaseStore.open(Path(home)) as store:
        DossierImporter(store, credentials).run([Path(package)])
    print(f"{time.perf_counter() - started:.3f} {peak_resident_mb():.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
