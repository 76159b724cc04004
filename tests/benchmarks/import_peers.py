"""The peers an import is measured against, on the same bytes as the package: the floor of
decrypt + hash + encrypt + write done by independent tools (docs/performance.md, Import).

- `openssl_pipeline`: `openssl enc -d -aes-256-ctr` of a copy of the package encrypted so,
  `tee` into `openssl dgst -sha256` (OpenSSL's SHA-256, the fastest here: coreutils'
  sha256sum is about four times slower on this machine) and into `openssl enc -aes-256-ctr`
  writing the output file, then `sync FILE` (its fsync): the same bytes decrypted, hashed,
  encrypted, written and made durable.
- `age_pipeline`: `age -d | age -r > OUT; sync OUT` (ChaCha20-Poly1305, no hash), and
  `age -d` alone to /dev/null.
- `sha256sum` of the package.
Each is a shell command line run by `figures.run_measured`, so its CPU counts every process of
the pipeline (bash waits for each)."""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import shlex
import subprocess

from tests.benchmarks.figures import peer


@dataclass(frozen=True)
class PeerFiles:
    ctr: Path | None       # the package encrypted with openssl aes-256-ctr
    key_hex: str
    iv_hex: str
    age: Path | None       # the package encrypted with age
    age_identity: Path | None
    age_recipient: str


def make_peer_files(package: Path, folder: Path) -> PeerFiles:
    """The package's bytes encrypted by each peer tool that is installed."""
    key_hex, iv_hex = os.urandom(32).hex(), os.urandom(16).hex()
    ctr = age_file = age_identity = None
    recipient = ""
    if peer("openssl"):
        ctr = folder / "package.ctr"
        subprocess.run(["openssl", "enc", "-aes-256-ctr", "-K", key_hex, "-iv", iv_hex, "-in", str(package),
                        "-out", str(ctr)], check=True)
    if peer("age") and peer("age-keygen"):
        age_identity = folder / "age-key.txt"
        subprocess.run(["age-keygen", "-o", str(age_identity)], check=True, capture_output=True)
        recipient = subprocess.run(["age-keygen", "-y", str(age_identity)], check=True, capture_output=True,
                                   text=True).stdout.strip()
        age_file = folder / "package.age"
        subprocess.run(["age", "-r", recipient, "-o", str(age_file), str(package)], check=True)
    return PeerFiles(ctr, key_hex, iv_hex, age_file, age_identity, recipient)


def openssl_pipeline(files: PeerFiles, out: Path) -> list[str] | None:
    if files.ctr is None:
        return None
    q = shlex.quote
    fifo = out.with_suffix(".fifo")
    script = (f"set -e; rm -f {q(str(fifo))}; mkfifo {q(str(fifo))}; "
              f"openssl dgst -sha256 {q(str(fifo))} > /dev/null & "
              f"openssl enc -d -aes-256-ctr -K {files.key_hex} -iv {files.iv_hex} -in {q(str(files.ctr))} "
              f"| tee {q(str(fifo))} "
              f"| openssl enc -aes-256-ctr -K {files.iv_hex * 2} -iv {files.iv_hex} -out {q(str(out))}; "
              f"wait; sync {q(str(out))}; rm -f {q(str(fifo))}")
    return ["bash", "-c", script]


def age_pipeline(files: PeerFiles, out: Path) -> list[str] | None:
    if files.age is None or files.age_identity is None:
        return None
    q = shlex.quote
    script = (f"set -e -o pipefail; age -d -i {q(str(files.age_identity))} {q(str(files.age))} "
              f"| age -r {q(files.age_recipient)} -o {q(str(out))}; sync {q(str(out))}")
    return ["bash", "-c", script]


def age_decrypt(files: PeerFiles) -> list[str] | None:
    if files.age is None or files.age_identity is None:
        return None
    return ["age", "-d", "-i", str(files.age_identity), "-o", "/dev/null", str(files.age)]
