"""The import's one pass (decrypt and hash, encrypt and write, fsync, overlapped on threads):
what it makes durable, and how it stops. It never syncs the whole machine, fsyncs every file
it publishes and the folders that name them, keeps memory flat whatever the package's size,
and a failure in any stage stops every stage and leaves nothing behind."""

import errno
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.core.errors import OutputError, PackageIntegrityError
from app.core.tasks import Cancelled, CancelToken
from app.crypto import sodp
from app.crypto.stanzas import Passphrase
from app.dossier import package
from app.dossier.importer import DossierImporter
from app.store.durable import FileSyncer
from app.store.store import CaseStore
from tests.benchmarks.conftest import make_source
from tests.conftest import key_identity
from tests.unit.packages import sealed_package

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 1 << 16
FILES = {f"DICOM/IM{n:04d}": os.urandom(300_000 + n) for n in range(8)}
PASSPHRASE = "Test Patient's dossier"
IMPORT_THREADS = ("secondo-vault-writer", "secondo-fsync")


@pytest.fixture(scope="module")
def sealed(pki) -> bytes:
    return sealed_package(FILES, [pki.reviewer_ec.certificate], chunk_size=CHUNK)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dossier.sodp"
    path.write_bytes(data)
    return path


def run_import(path: Path, pki, **options):
    with CaseStore.open() as store:
        return DossierImporter(store, [key_identity(pki.reviewer_ec)], **options).run([path])


def import_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(IMPORT_THREADS)]


def assert_nothing_left(home: Path) -> None:
    with CaseStore.open(home) as store:
        assert store.index.cases() == []
        assert list(store.vault.root.iterdir()) == []
        assert list(store.staging_root.iterdir()) == []


def test_an_import_never_syncs_the_whole_machine(sealed, pki, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "sync", lambda: calls.append("sync"))
    result = run_import(write(tmp_path, sealed), pki)
    assert result.files == len(FILES) and not result.duplicate
    assert calls == []


def test_every_file_it_publishes_and_the_folders_naming_them_are_fsynced(sealed, pki, tmp_path, isolated_home,
                                                                        monkeypatch):
    synced: set[tuple[int, int]] = set()
    real_fsync = os.fsync

    def fsync(fd):
        info = os.fstat(fd)
        synced.add((info.st_dev, info.st_ino))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = run_import(write(tmp_path, sealed), pki)

    def inode(path: Path) -> tuple[int, int]:
        info = path.stat()
        return info.st_dev, info.st_ino

    with CaseStore.open(isolated_home) as store:
        record = store.record(result.case_id)
        (folder,) = [p for p in store.vault.root.iterdir()]
        blobs = list(folder.iterdir())
        assert len(blobs) == len(FILES) + 1  # the images and the case record
        assert {i["blob"].split("/")[1] for i in record["instances"]} <= {p.name for p in blobs}
        assert {inode(p) for p in blobs} <= synced  # each file's bytes
        assert inode(folder) in synced  # the names of the files (the staging folder, renamed)
        assert inode(store.vault.root) in synced  # the rename into the vault


def test_the_files_are_synced_in_the_background_as_they_are_written(sealed, pki, tmp_path, monkeypatch):
    """Each staged file's fsync runs on the syncer's threads while the import goes on, not in
    one pass at the end."""
    threads = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (threads.append(threading.current_thread().name), real_fsync(fd)))
    run_import(write(tmp_path, sealed), pki)
    assert sum(1 for name in threads if name.startswith("secondo-fsync")) == len(FILES)
    assert import_threads() == []


def tampered(sealed: bytes) -> bytes:
    """The package with one bit flipped in a chunk in the middle of the files' bytes."""
    header = sodp.read_header(io.BytesIO(sealed))
    start = len(header.signed_bytes) + sodp.MAC_SIZE
    middle = start + (CHUNK + sodp.TAG_SIZE) * 20 + 100
    data = bytearray(sealed)
    data[middle] ^= 1
    return bytes(data)


def full_disk_on_third_write(monkeypatch):
    real, calls = sodp.SodpWriter.write, []

    def write(self, data):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(sodp.SodpWriter, "write", write)


def failing_fsync_on_the_second_file(monkeypatch):
    real, calls = os.fsync, []

    def fsync(fd):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


STAGE_FAILURES = {
    "decrypt: a chunk fails its tag mid-stream": (tampered, None, PackageIntegrityError),
    "write: the disk fills": (None, full_disk_on_third_write, OutputError),
    "fsync: the disk fails": (None, failing_fsync_on_the_second_file, OutputError),
}


@pytest.mark.parametrize("case", list(STAGE_FAILURES))
def test_a_failing_stage_stops_every_stage_and_leaves_nothing(case, sealed, pki, tmp_path, isolated_home):
    alter, patch, error = STAGE_FAILURES[case]
    CaseStore.open().close()  # the data folder exists (key, index) before the import
    with pytest.MonkeyPatch.context() as patching, pytest.raises(error):
        if patch is not None:
            patch(patching)
        run_import(write(tmp_path, alter(sealed) if alter else sealed), pki)
    assert import_threads() == []
    assert_nothing_left(isolated_home)


def test_a_cancel_mid_stream_stops_every_stage_and_leaves_nothing(sealed, pki, tmp_path, isolated_home):
    token = CancelToken()

    def progress(p):
        if p.bytes_done > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        run_import(write(tmp_path, sealed), pki, progress=progress, cancel=token)
    assert import_threads() == []
    assert_nothing_left(isolated_home)


def test_the_syncer_closes_what_it_was_given_when_aborted(tmp_path):
    syncer = FileSyncer(threads=1, depth=4)
    handles = [open(tmp_path / f"f{n}", "wb") for n in range(3)]
    syncer.abort()
    for handle in handles:
        syncer.submit(handle)
    assert all(h.closed for h in handles) and syncer.synced == set()
    assert not [t for t in threading.enumerate() if t.name.startswith("secondo-fsync")]


def peak_mb(package_path: Path, home: Path) -> float:
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.import_peak_memory", str(package_path),
                           str(home), PASSPHRASE], cwd=ROOT, capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return float(done.stdout.split()[1])


def test_peak_memory_does_not_grow_with_the_package(pki, tmp_path):
    """The pipeline's queues are bounded: importing 12 times the bytes takes about the same memory."""
    peaks = []
    for size_mb in (8, 96):
        source = make_source(tmp_path / f"src{size_mb}", size_mb, file_mb=8)
        out = tmp_path / f"p{size_mb}.sodp"
        package.pack_directory(source, out, [Passphrase(PASSPHRASE)])
        peaks.append(peak_mb(out, tmp_path / f"home{size_mb}"))
    assert peaks[1] - peaks[0] < 40, peaks


def test_a_disc_split_by_patient_syncs_each_file_once(tmp_path, isolated_home, monkeypatch):
    """The files moved to the second patient's staging folder were synced as they were written;
    publishing that case syncs its folder, not those files again (each fsync of a clean file
    still costs a disk cache flush)."""
    from tests.unit.test_import_split import ct, dicom_bytes

    disc = tmp_path / "cd"
    (disc / "DICOM").mkdir(parents=True)
    patients = [ct(slices=3), ct("Other^Person", "19800202", "OTHER-1", slices=3)]
    for n, ds in enumerate(patients[0] + patients[1]):
        (disc / "DICOM" / f"IM{n:04d}").write_bytes(dicom_bytes(ds))
    CaseStore.open().close()
    counts: dict[tuple[int, int], int] = {}
    real_fsync = os.fsync

    def fsync(fd):
        info = os.fstat(fd)
        counts[(info.st_dev, info.st_ino)] = counts.get((info.st_dev, info.st_ino), 0) + 1
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with CaseStore.open() as store:
        result = DossierImporter(store).run([disc])
    assert result.patients == 2 and len(result.cases) == 2
    with CaseStore.open(isolated_home) as store:
        images = [store.vault.root / i["blob"] for case in result.cases
                  for i in store.record(case["case_id"])["instances"]]
    assert len(images) == 6
    assert [counts.get((p.stat().st_dev, p.stat().st_ino)) for p in images] == [1] * 6
