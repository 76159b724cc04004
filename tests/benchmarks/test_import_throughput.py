"""Import benchmarks: a 700 MB package (1,200 CT slices of 512², 20 PDFs) from a
warm file ≥ 200 MB/s end to end with peak memory < 300 MB; indexing a plain 1,000-file CD
without DICOMDIR < 5 s warm."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.dossier import package
from app.dossier.disc import list_folder
from app.dossier.importer import DossierImporter
from app.crypto.stanzas import Passphrase
from app.store.store import CaseStore
from tests.benchmarks.big_dossier import write_big_source, write_plain_cd
from tests.conftest import key_identity

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "DEMO benchmark passphrase"


@pytest.fixture(scope="module")
def big_package(tmp_path_factory, pki) -> Path:
    source = write_big_source(tmp_path_factory.mktemp("big-src"))
    out = source.parent / "big.sodp"
    package.pack_directory(source, out, [Passphrase(PASSPHRASE), pki.reviewer_rsa.certificate])
    shutil.rmtree(source)
    return out


def test_import_of_a_700_mb_package(benchmark, big_package, pki, tmp_path):
    """Opened with the reviewer's certificate, as dossiers for a reviewer are (a passphrase
    would add Argon2id's fixed ~0.15 s)."""
    size_mb = big_package.stat().st_size / 1e6
    homes = iter(tmp_path / f"home{n}" for n in range(100))
    reviewer = key_identity(pki.reviewer_rsa)

    def run():
        with CaseStore.open(next(homes)) as store:
            return DossierImporter(store, [reviewer]).run([big_package])

    result = benchmark.pedantic(run, rounds=3, iterations=1)
    assert result.files == 1220
    benchmark.extra_info["package_MB"] = round(size_mb)
    benchmark.extra_info["MB_per_s"] = round(size_mb / benchmark.stats.stats.mean, 1)


def test_import_peak_memory(benchmark, big_package, tmp_path):
    def child():
        done = subprocess.run([sys.executable, "-m", "tests.benchmarks.import_peak_memory", str(big_package),
                               str(tmp_path / f"home-{len(list(tmp_path.iterdir()))}"), PASSPHRASE],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        return [float(v) for v in done.stdout.split()]

    seconds, peak_mb = benchmark.pedantic(child, rounds=1, iterations=1)
    benchmark.extra_info["peak_RSS_MB"] = peak_mb
    benchmark.extra_info["seconds_in_child"] = seconds
    assert peak_mb < 300


def test_index_a_plain_1000_file_cd(benchmark, tmp_path_factory):
    cd = write_plain_cd(tmp_path_factory.mktemp("plain-cd"))
    homes = iter(tmp_path_factory.mktemp("homes") / f"h{n}" for n in range(100))

    def run():
        with CaseStore.open(next(homes)) as store:
            return DossierImporter(store).run([cd])

    result = benchmark.pedantic(run, rounds=3, iterations=1)
    assert result.files == 1000
    listing = list_folder(cd)
    assert listing.dicomdir is None and len(listing.files) == 1000
