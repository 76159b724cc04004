"""SODP throughput and memory: read ≥ 300 MB/s, pack ≥ 200 MB/s, and peak memory
of reading that does not grow with the package (< 150 MB for 1 GB).

Sizes: SECONDO_BENCH_MB (default 500) for throughput; the memory check reads 1 GB."""

import subprocess
import sys
from pathlib import Path

import pytest

from app.demo.pki import DEMO_PASSPHRASE
from app.dossier import package
from tests.benchmarks.conftest import MB, bench_mb, make_source
from tests.conftest import key_identity

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recipients(pki):
    return [pki.reviewer_ec.certificate]


def test_pack_throughput(benchmark, big_source, recipients, tmp_path):
    out = tmp_path / "bench.sodp"
    # Each round writes a new file, as a real pack does (replacing one would time its deletion).
    benchmark.pedantic(package.pack_directory, args=(big_source, out, recipients), rounds=3, iterations=1,
                       setup=lambda: out.unlink(missing_ok=True))
    benchmark.extra_info["MB"] = bench_mb()
    benchmark.extra_info["MB_per_s"] = round(bench_mb() / benchmark.stats.stats.mean, 1)


def test_read_throughput(benchmark, big_source, recipients, pki, tmp_path):
    out = tmp_path / "bench.sodp"
    package.pack_directory(big_source, out, recipients)
    identity = key_identity(pki.reviewer_ec)

    def read():
        with open(out, "rb") as stream:
            return package.read_package(stream, [identity])

    contents = benchmark.pedantic(read, rounds=3, iterations=1)
    assert contents.payload_size == bench_mb() // 10 * 10 * MB
    benchmark.extra_info["MB"] = bench_mb()
    benchmark.extra_info["MB_per_s"] = round(bench_mb() / benchmark.stats.stats.mean, 1)


@pytest.mark.parametrize("size_mb", [100, 1000])
def test_read_peak_memory_does_not_grow(benchmark, size_mb, pki, pki_files, tmp_path):
    source = make_source(tmp_path / "src", size_mb)
    out = tmp_path / "mem.sodp"
    package.pack_directory(source, out, [pki.reviewer_ec.certificate])
    for path in source.rglob("IM*"):
        path.unlink()  # keep the disk and page cache for the package alone

    def child():
        done = subprocess.run([sys.executable, "-m", "tests.benchmarks.read_peak_memory", str(out),
                               str(pki_files["reviewer-ec.p12"]), DEMO_PASSPHRASE],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        return float(done.stdout.split()[0])

    peak_mb = benchmark.pedantic(child, rounds=1, iterations=1)
    benchmark.extra_info["package_MB"] = size_mb
    benchmark.extra_info["peak_RSS_MB"] = peak_mb
    assert peak_mb < 150, f"reading {size_mb} MB used {peak_mb} MB"
